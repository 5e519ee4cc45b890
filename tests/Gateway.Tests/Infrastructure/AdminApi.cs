using System.Net.Http.Json;
using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>Thin helpers over the admin API, used to arrange tests.</summary>
public static class AdminApi
{
    public static async Task<CreatedKey> CreateKeyAsync(this HttpClient admin, string userId, decimal capUsd, string[]? models = null)
    {
        await admin.EnsureUserAsync(userId);
        using var response = await admin.PostAsJsonAsync("/admin/v1/keys", new { userId, capUsd, models });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"create key: {(int)response.StatusCode} {body}");
        var json = JsonDocument.Parse(body).RootElement;
        return new CreatedKey(json.GetProperty("keyId").GetString()!, json.GetProperty("key").GetString()!);
    }

    /// <summary>Creates the user unless it exists already.</summary>
    public static async Task EnsureUserAsync(this HttpClient admin, string userId)
    {
        using var response = await admin.PostAsJsonAsync("/admin/v1/users", new { id = userId, name = userId });
        Assert.True(response.StatusCode is System.Net.HttpStatusCode.Created or System.Net.HttpStatusCode.Conflict, $"create user: {(int)response.StatusCode}");
    }

    public static async Task<JsonElement> GetKeyAsync(this HttpClient admin, string keyId)
    {
        using var response = await admin.GetAsync($"/admin/v1/keys/{keyId}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"get key: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient admin, string path)
    {
        using var response = await admin.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>PATCHes a JSON body and returns the response body, failing the test on an error status.</summary>
    public static async Task<JsonElement> PatchJsonAsync(this HttpClient admin, string path, object body)
    {
        using var response = await admin.PatchAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PATCH {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task RevokeKeyAsync(this HttpClient admin, string keyId)
    {
        using var response = await admin.PostAsync($"/admin/v1/keys/{keyId}/revoke", null);
        Assert.True(response.IsSuccessStatusCode, $"revoke: {(int)response.StatusCode}");
    }
}

public sealed record CreatedKey(string KeyId, string Key);
