using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Gateway.Simulator.Tests;

/// <summary>GET /msi/token and its tokens on the Azure paths, over plain HTTP.</summary>
public sealed class ManagedIdentityTests : IAsyncLifetime
{
    private const string Secret = "test-identity-secret";
    private const string Resource = "https://cognitiveservices.azure.com";
    private RunningSimulator _simulator = null!;

    public async Task InitializeAsync() => _simulator = await RunningSimulator.StartAsync(o => (o.ApiKey, o.IdentityHeader) = ("azure-key", Secret));

    public async Task DisposeAsync() => await _simulator.DisposeAsync();

    private async Task<HttpResponseMessage> TokenRequestAsync(string query, string? secret = Secret, RunningSimulator? simulator = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/msi/token" + query);
        if (secret is not null)
        {
            request.Headers.Add("X-IDENTITY-HEADER", secret);
        }

        return await (simulator ?? _simulator).Client.SendAsync(request);
    }

    private async Task<string> TokenAsync(string resource, RunningSimulator? simulator = null)
    {
        using var response = await TokenRequestAsync($"?resource={Uri.EscapeDataString(resource)}&api-version=2019-08-01", simulator: simulator);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync())["access_token"]!.GetValue<string>();
    }

    private static Task<HttpResponseMessage> ChatAsync(RunningSimulator simulator, string token, string marker = "hi") =>
        simulator.Client.PostJsonAsync("/openai/deployments/mi-deploy/chat/completions?api-version=2024-10-21",
            new JsonObject { ["messages"] = TestTokens.Messages(("user", marker)) }, ("Authorization", $"Bearer {token}"));

    [Fact]
    public async Task The_endpoint_answers_App_Services_token_shape()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var response = await TokenRequestAsync($"?resource={Uri.EscapeDataString(Resource)}&api-version=2019-08-01&client_id=my-client");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.False(string.IsNullOrEmpty(json["access_token"]!.GetValue<string>()));
        Assert.Equal(Resource, json["resource"]!.GetValue<string>());
        Assert.Equal("Bearer", json["token_type"]!.GetValue<string>());
        Assert.Equal("my-client", json["client_id"]!.GetValue<string>());
        // A string of Unix seconds, a day ahead by default.
        var expiresOn = long.Parse(json["expires_on"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(expiresOn, before + 86_400, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 86_400);
    }

    [Fact]
    public async Task A_wrong_or_missing_secret_header_and_a_bad_query_are_refused()
    {
        var query = $"?resource={Uri.EscapeDataString(Resource)}&api-version=2019-08-01";
        using var wrong = await TokenRequestAsync(query, "nope");
        using var missing = await TokenRequestAsync(query, secret: null);
        using var noResource = await TokenRequestAsync("?api-version=2019-08-01");
        using var oldVersion = await TokenRequestAsync($"?resource={Uri.EscapeDataString(Resource)}&api-version=2017-09-01");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noResource.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, oldVersion.StatusCode);
        Assert.Equal("invalid_request", (await oldVersion.JsonAsync())["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_issued_token_for_Cognitive_Services_is_accepted_and_recorded_as_managed_identity()
    {
        using var reset = await _simulator.Client.PostAsync("/sim/stats/reset", content: null);
        var plain = await TokenAsync(Resource);
        var slashed = await TokenAsync(Resource + "/");
        var scoped = await TokenAsync(Resource + "/.default");

        foreach (var token in new[] { plain, slashed, scoped })
        {
            using var response = await ChatAsync(_simulator, token, "mi-accepted-marker");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("mi-deploy", (await response.JsonAsync())["model"]!.GetValue<string>());
        }

        using var recorded = await _simulator.Client.GetAsync("/sim/requests?contains=mi-accepted-marker");
        Assert.All((await recorded.JsonAsync()).AsArray(), r => Assert.Equal("managed-identity", r!["auth"]!.GetValue<string>()));
        using var statsResponse = await _simulator.Client.GetAsync("/sim/stats");
        Assert.Equal(3, (await statsResponse.JsonAsync())["tokensIssued"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_token_for_another_resource_or_from_another_simulator_is_refused()
    {
        var keyVault = await TokenAsync("https://vault.azure.net");
        await using var other = await RunningSimulator.StartAsync(o => o.IdentityHeader = Secret);
        var foreign = await TokenAsync(Resource, other);

        using var wrongResource = await ChatAsync(_simulator, keyVault);
        using var notIssued = await ChatAsync(_simulator, foreign);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongResource.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, notIssued.StatusCode);
        Assert.Equal("401", (await notIssued.JsonAsync())["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_token_is_refused_once_it_expires()
    {
        await using var shortLived = await RunningSimulator.StartAsync(o => (o.IdentityHeader, o.ManagedIdentityTokenLifetimeSeconds) = (Secret, 2));
        var token = await TokenAsync(Resource, shortLived);
        using (var fresh = await ChatAsync(shortLived, token))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }

        // Real time passes here (the simulator runs on the system clock); poll with a deadline instead of sleeping.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        HttpStatusCode status;
        do
        {
            using var response = await ChatAsync(shortLived, token);
            status = response.StatusCode;
        }
        while (status == HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        using var last = await shortLived.Client.GetAsync("/sim/requests/last");
        var recorded = await last.JsonAsync();
        Assert.Equal("managed-identity", recorded["auth"]!.GetValue<string>());
        Assert.False(recorded["authorized"]!.GetValue<bool>());
    }
}
