using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Benchmarks;

/// <summary>The admin API calls the benchmark needs: mint keys, read a key's live state.</summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;

    public AdminClient(Uri gatewayUrl, string adminKey)
    {
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = gatewayUrl };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
    }

    public async Task<BenchKey> CreateKeyAsync(string userId, string name, CancellationToken cancellationToken)
    {
        using (var user = await _http.PostAsJsonAsync("/admin/v1/users", new { id = userId }, cancellationToken))
        {
            // 409: the user exists already, which is all that is needed.
            if (!user.IsSuccessStatusCode && user.StatusCode != System.Net.HttpStatusCode.Conflict)
            {
                throw new InvalidOperationException($"creating user {userId} failed: {(int)user.StatusCode} {await user.Content.ReadAsStringAsync(cancellationToken)}");
            }
        }

        using var response = await _http.PostAsJsonAsync("/admin/v1/keys", new { userId, name, capUsd = 1_000_000m }, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating a key failed: {(int)response.StatusCode} {body}");
        }

        var json = JsonDocument.Parse(body).RootElement;
        return new BenchKey(json.GetProperty("keyId").GetString()!, json.GetProperty("key").GetString()!);
    }

    public async Task<KeyState> GetKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri($"/admin/v1/keys/{keyId}", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Reading key {keyId} failed: {(int)response.StatusCode} {body}");
        }

        var json = JsonDocument.Parse(body).RootElement;
        return new KeyState(
            json.GetProperty("spentMicros").GetInt64(),
            json.GetProperty("reservedMicros").GetInt64(),
            json.GetProperty("inFlight").GetInt32(),
            json.GetProperty("requestCount").GetInt64());
    }

    public void Dispose() => _http.Dispose();
}
