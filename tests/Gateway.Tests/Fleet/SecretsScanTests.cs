using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Fleet;

/// <summary>
/// No secret at rest or in any log: after a run that streams, calls Anthropic's way with
/// <c>x-api-key</c>, rotates a key, captures content and takes error paths, every row of every table
/// and the whole output of every process (at Information level) hold no user key, secret, admin key
/// or provider key.
/// </summary>
public sealed class SecretsScanTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Verbose = new()
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Orleans"] = "Information",
    };

    private FleetProcesses _fleet = null!;

    public async Task InitializeAsync() => _fleet = await FleetProcesses.StartAsync("secrets", Verbose, "silo", "frontend");

    [Fact]
    public async Task No_table_row_and_no_line_of_any_process_log_holds_a_secret()
    {
        var frontend = _fleet.Processes.Single(p => p.Role == "frontend");
        using var admin = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayServer.AdminKey);
        using var http = new HttpClient { BaseAddress = new Uri(frontend.BaseUrl) };
        var key = await admin.CreateKeyAsync("secret-keeper", 5m);

        // Streamed, with a Bearer key.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(http, "/v1/chat/completions", key.Key, bearer: true,
            new { model = "gpt-4o-mini", max_tokens = 8, stream = true, messages = new[] { new { role = "user", content = "stream it" } } }));

        // Anthropic's way, with x-api-key.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(http, "/v1/messages", key.Key, bearer: false,
            new { model = "claude-haiku-4-5", max_tokens = 8, messages = new[] { new { role = "user", content = "hello claude" } } }));

        // Rotation with a grace: the old secret and the new one both work for now.
        using var rotated = await admin.PostAsJsonAsync($"/admin/v1/keys/{key.KeyId}/rotate", new { graceSeconds = 600 });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var newKey = JsonDocument.Parse(await rotated.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;
        Assert.Equal(HttpStatusCode.OK, await SendAsync(http, "/v1/chat/completions", key.Key, bearer: true, Chat("old secret")));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(http, "/v1/chat/completions", newKey, bearer: true, Chat("new secret")));

        // Content capture on, a captured request.
        using (var capture = await admin.PostAsJsonAsync($"/admin/v1/keys/{key.KeyId}/capture", new { enabled = true, reason = "secrets scan" }))
        {
            Assert.Equal(HttpStatusCode.OK, capture.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await SendAsync(http, "/v1/chat/completions", newKey, bearer: true, Chat("captured words")));

        // Error paths: an upstream failure, a wrong secret for a real key id, a wrong admin key.
        Assert.Equal(HttpStatusCode.InternalServerError, await SendAsync(http, "/v1/chat/completions", newKey, bearer: true, Chat("fail please [sim:error=500]")));
        var wrongSecret = $"gw_{key.KeyId}_{new string('x', 43)}";
        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(http, "/v1/chat/completions", wrongSecret, bearer: true, Chat("wrong")));
        using (var badAdmin = new HttpRequestMessage(HttpMethod.Get, $"/admin/v1/keys/{key.KeyId}"))
        {
            badAdmin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "gwadmin_not-the-admin-key-" + key.KeyId);
            using var refused = await http.SendAsync(badAdmin);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await Poll.UntilAsync(async () => (await new LedgerQueries(_fleet.Prefix).RowsAsync(key.KeyId)).Count >= 7, TimeSpan.FromSeconds(20), "every request in the ledger");

        var forbidden = new[]
        {
            key.Key, Secret(key.Key), newKey, Secret(newKey), Secret(wrongSecret), GatewayServer.AdminKey, SimulatorServer.ProviderKey,
        };
        var service = new TableServiceClient(TestStorage.ConnectionString);
        var scanned = 0;
        await foreach (var table in service.QueryAsync($"TableName ge '{_fleet.Prefix}' and TableName lt '{_fleet.Prefix}~'"))
        {
            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                scanned++;
                foreach (var (name, value) in entity)
                {
                    var text = value switch { string s => s, byte[] b => System.Text.Encoding.UTF8.GetString(b), _ => value?.ToString() ?? "" };
                    Assert.False(forbidden.Any(f => text.Contains(f, StringComparison.Ordinal) || entity.RowKey.Contains(f, StringComparison.Ordinal) || entity.PartitionKey.Contains(f, StringComparison.Ordinal)),
                        $"a secret in {table.Name} {entity.PartitionKey}/{entity.RowKey} {name}");
                }
            }
        }

        Assert.True(scanned >= 10, $"expected many rows to scan, found {scanned}");
        foreach (var process in _fleet.Processes)
        {
            var output = process.Output();
            Assert.True(output.Length > 1000, $"{process.Role} logged almost nothing at Information level");
            Assert.False(forbidden.Any(f => output.Contains(f, StringComparison.Ordinal)), $"a secret in the {process.Role}'s output");
        }
    }

    private static object Chat(string content) => new { model = "gpt-4o-mini", max_tokens = 8, messages = new[] { new { role = "user", content } } };

    private static string Secret(string key) => key[(key.IndexOf('_', 3) + 1)..];

    private static async Task<HttpStatusCode> SendAsync(HttpClient http, string path, string key, bool bearer, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        else
        {
            request.Headers.Add("x-api-key", key);
        }

        using var response = await http.SendAsync(request);
        await response.Content.ReadAsStringAsync();
        return response.StatusCode;
    }

    public async Task DisposeAsync()
    {
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
    }
}
