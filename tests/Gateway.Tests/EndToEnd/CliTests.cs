using System.Text.Json;
using Gateway.Cli;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary><c>gatewayctl</c> against a running gateway: create, show, revoke, and its errors.</summary>
public sealed class CliTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<(int Exit, string Out, string Err)> RunAsync(string? adminKey, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = adminKey };
        var exit = await GatewayCtl.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Key_lifecycle_through_the_cli()
    {
        var created = await RunAsync(GatewayServer.AdminKey, "keys", "create", "--user", "olga", "--create-user", "--cap", "12.5", "--json");
        Assert.Equal(0, created.Exit);
        var json = JsonDocument.Parse(created.Out).RootElement;
        var keyId = json.GetProperty("keyId").GetString()!;
        Assert.StartsWith($"gw_{keyId}_", json.GetProperty("key").GetString(), StringComparison.Ordinal);
        Assert.Equal(12_500_000, json.GetProperty("capMicros").GetInt64());

        var human = await RunAsync(GatewayServer.AdminKey, "keys", "create", "--user", "olga", "--cap", "1");
        Assert.Equal(0, human.Exit);
        Assert.Contains("shown only once", human.Out, StringComparison.Ordinal);

        var shown = await RunAsync(GatewayServer.AdminKey, "keys", "show", keyId);
        Assert.Equal(0, shown.Exit);
        Assert.Contains("olga", shown.Out, StringComparison.Ordinal);
        Assert.Contains("$12.50", shown.Out, StringComparison.Ordinal);
        Assert.Contains("active", shown.Out, StringComparison.Ordinal);

        var rotated = await RunAsync(GatewayServer.AdminKey, "keys", "rotate", keyId, "--json");
        Assert.Equal(0, rotated.Exit);
        var newKey = JsonDocument.Parse(rotated.Out).RootElement.GetProperty("key").GetString()!;
        Assert.StartsWith($"gw_{keyId}_", newKey, StringComparison.Ordinal);
        Assert.NotEqual(json.GetProperty("key").GetString(), newKey);
        Assert.Equal(401, await ChatStatusAsync(json.GetProperty("key").GetString()!));
        Assert.Equal(200, await ChatStatusAsync(newKey));

        var updated = await RunAsync(GatewayServer.AdminKey, "keys", "update", keyId, "--cap", "30", "--rpm", "60", "--expires", "2099-01-01T00:00:00Z", "--json");
        Assert.Equal(0, updated.Exit);
        var after = JsonDocument.Parse(updated.Out).RootElement;
        Assert.Equal((30_000_000L, 60), (after.GetProperty("capMicros").GetInt64(), after.GetProperty("rpm").GetInt32()));
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "keys", "update", keyId, "--rpm", "none", "--period", "Weekly")).Exit);
        Assert.Equal("weekly", (await fixture.Admin.GetKeyAsync(keyId)).GetProperty("period").GetString());
        Assert.Contains("Period:", (await RunAsync(GatewayServer.AdminKey, "keys", "show", keyId)).Out, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "keys", "update", keyId, "--period", "hourly")).Exit);
        Assert.Equal(JsonValueKind.Null, (await fixture.Admin.GetKeyAsync(keyId)).GetProperty("rpm").ValueKind);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "keys", "capture", keyId, "on")).Exit);
        var captured = await RunAsync(GatewayServer.AdminKey, "keys", "capture", keyId, "on", "--reason", "audit request 7");
        Assert.Equal(0, captured.Exit);
        Assert.Equal("audit request 7", (await fixture.Admin.GetKeyAsync(keyId)).GetProperty("capture").GetProperty("reason").GetString());
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "keys", "capture", keyId, "off")).Exit);

        var revoked = await RunAsync(GatewayServer.AdminKey, "keys", "revoke", keyId);
        Assert.Equal(0, revoked.Exit);
        Assert.Equal("revoked", (await fixture.Admin.GetKeyAsync(keyId)).GetProperty("status").GetString());
    }

    private async Task<int> ChatStatusAsync(string key)
    {
        using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key, maxTokens: 5);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task Admin_keys_and_the_admin_audit_through_the_cli()
    {
        var minted = await RunAsync(GatewayServer.AdminKey, "admin-keys", "create", "--name", "auditor-bot", "--role", "auditor", "--json");
        Assert.Equal(0, minted.Exit);
        var auditorKey = JsonDocument.Parse(minted.Out).RootElement.GetProperty("key").GetString()!;

        var trail = await RunAsync(auditorKey, "admin-audit", "--limit", "20");
        Assert.Equal(0, trail.Exit);
        Assert.Contains("adminkey.create", trail.Out, StringComparison.Ordinal);
        Assert.Contains("TIME", trail.Out, StringComparison.Ordinal);

        // An auditor may read the trail but not mint keys.
        var refused = await RunAsync(auditorKey, "keys", "create", "--user", "olga", "--cap", "1");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("403", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Users_teams_and_key_listing_through_the_cli()
    {
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "teams", "create", "ops", "--name", "Operations")).Exit);
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "users", "create", "pia", "--name", "Pia", "--email", "pia@example.com", "--team", "ops")).Exit);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "keys", "create", "--user", "pia", "--cap", "1")).Exit);
        }

        var page = await RunAsync(GatewayServer.AdminKey, "keys", "list", "--user", "pia", "--limit", "2");
        Assert.Equal(0, page.Exit);
        Assert.Contains("More: --cursor", page.Out, StringComparison.Ordinal);
        var all = await RunAsync(GatewayServer.AdminKey, "keys", "list", "--team", "ops", "--all", "--json");
        Assert.Equal(3, JsonDocument.Parse(all.Out).RootElement.GetProperty("items").GetArrayLength());

        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "teams", "update", "ops", "--name", "Ops")).Exit);
        var shown = await RunAsync(GatewayServer.AdminKey, "teams", "show", "ops");
        Assert.Contains("Ops", shown.Out, StringComparison.Ordinal);
        Assert.Contains("pia", shown.Out, StringComparison.Ordinal);
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "users", "update", "pia", "--name", "Pia B")).Exit);
        var deactivated = await RunAsync(GatewayServer.AdminKey, "users", "deactivate", "pia");
        Assert.Equal(0, deactivated.Exit);
        Assert.Contains("revoked 3 keys", deactivated.Out, StringComparison.Ordinal);
        var after = await RunAsync(GatewayServer.AdminKey, "keys", "list", "--user", "pia", "--all", "--json");
        Assert.All(JsonDocument.Parse(after.Out).RootElement.GetProperty("items").EnumerateArray(), k => Assert.Equal("revoked", k.GetProperty("status").GetString()));

        var audit = await RunAsync(GatewayServer.AdminKey, "audit", "--user", "pia");
        Assert.Equal(0, audit.Exit);
        Assert.Contains("No audited requests.", audit.Out, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "audit", "--user", "pia", "--key", "x")).Exit);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "keys", "list")).Exit);
        Assert.Equal(1, (await RunAsync(GatewayServer.AdminKey, "users", "create", "pia")).Exit);
    }

    [Fact]
    public async Task User_and_team_budgets_through_the_cli()
    {
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "teams", "create", "research", "--cap", "100", "--period", "monthly")).Exit);
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "users", "create", "rosa", "--team", "research", "--cap", "10", "--period", "daily", "--rpm", "30")).Exit);
        var key = await RunAsync(GatewayServer.AdminKey, "keys", "create", "--user", "rosa", "--cap", "50", "--json");
        Assert.Equal(200, await ChatStatusAsync(JsonDocument.Parse(key.Out).RootElement.GetProperty("key").GetString()!));

        var shown = await Poll.UntilAsync(() => RunAsync(GatewayServer.AdminKey, "users", "show", "rosa"), r => r.Out.Contains("(1 request)", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the user's spend to show");
        Assert.Contains("$10.00", shown.Out, StringComparison.Ordinal);
        Assert.Contains("daily (resets", shown.Out, StringComparison.Ordinal);
        Assert.Contains("1 of 30 used in the last minute", shown.Out, StringComparison.Ordinal);

        var updated = await RunAsync(GatewayServer.AdminKey, "users", "update", "rosa", "--no-cap", "--rpm", "none", "--tpm", "5000", "--json");
        Assert.Equal(0, updated.Exit);
        var budget = JsonDocument.Parse(updated.Out).RootElement.GetProperty("budget");
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null, 5000L),
            (budget.GetProperty("capMicros").ValueKind, budget.GetProperty("rate").GetProperty("rpm").ValueKind, budget.GetProperty("rate").GetProperty("tpm").GetInt64()));

        var team = await RunAsync(GatewayServer.AdminKey, "teams", "update", "research", "--cap", "250", "--json");
        Assert.Equal(250_000_000, JsonDocument.Parse(team.Out).RootElement.GetProperty("budget").GetProperty("capMicros").GetInt64());
        Assert.Contains("monthly (resets", (await RunAsync(GatewayServer.AdminKey, "teams", "show", "research")).Out, StringComparison.Ordinal);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "teams", "update", "research", "--cap", "5", "--no-cap")).Exit);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "users", "update", "rosa", "--rpm", "0")).Exit);
    }

    [Fact]
    public async Task Errors_are_clear_and_exit_non_zero()
    {
        var missing = await RunAsync(GatewayServer.AdminKey, "keys", "show", "nosuchkey");
        Assert.Equal(1, missing.Exit);
        Assert.Contains("404", missing.Err, StringComparison.Ordinal);

        var badAdmin = await RunAsync("gwadmin_wrong", "keys", "show", "nosuchkey");
        Assert.Equal(1, badAdmin.Exit);
        Assert.Contains("401", badAdmin.Err, StringComparison.Ordinal);

        var noAdmin = await RunAsync(null, "keys", "show", "nosuchkey");
        Assert.Equal(2, noAdmin.Exit);

        var negative = await RunAsync(GatewayServer.AdminKey, "keys", "create", "--user", "olga", "--cap", "-5");
        Assert.Equal(2, negative.Exit);
    }

    [Fact]
    public async Task User_and_team_ids_are_checked_by_the_gateways_rule_before_anything_is_sent()
    {
        foreach (var args in new[]
        {
            new[] { "users", "create", "ivy\n" },
            ["users", "create", "..."],
            ["users", "show", "has space"],
            ["teams", "create", "t\u0000"],
            ["keys", "create", "--user", "ivy\tcli", "--cap", "1"],
            ["keys", "list", "--team", "..."],
            ["audit", "--user", "a/b"],
            ["users", "update", "ivy", "--team", "bad team"],
        })
        {
            var result = await RunAsync(GatewayServer.AdminKey, args);
            Assert.True(result.Exit == 2, $"{string.Join(' ', args)}: exit {result.Exit} {result.Err}");
            Assert.DoesNotContain("\n'", result.Err, StringComparison.Ordinal);
        }

        // Ids are case-insensitive: created in any case, found in any other.
        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "users", "create", "Ivy-Cli")).Exit);
        var shown = await RunAsync(GatewayServer.AdminKey, "users", "show", "IVY-CLI");
        Assert.Equal(0, shown.Exit);
        Assert.Contains("ivy-cli", shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_from_the_gateway_cannot_forge_lines_of_cli_output()
    {
        // Rows written before names were checked may still hold a newline; the CLI must print them on one line.
        var forged = JsonSerializer.Serialize("Eve\r\nStatus:       deactivated\u001b[2J\u202e");
        using var handler = new CannedResponse($$"""
            {"id":"eve","name":{{forged}},"email":null,"teamId":null,"status":"active","createdAt":"2026-01-01T00:00:00Z","keyIds":[],
             "items":[{"keyId":"k1","display":"gw_k1_…","userId":"eve","name":{{forged}},"status":"active","spentUsd":"0","capUsd":"1","requestCount":0}]}
            """);
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = "http://gateway.invalid", ["GATEWAY_ADMIN_KEY"] = "gwadmin_x" };

        foreach (var args in new[] { new[] { "users", "show", "eve" }, ["keys", "list", "--user", "eve"] })
        {
            var stdout = new StringWriter();
            Assert.Equal(0, await GatewayCtl.RunAsync(args, stdout, new StringWriter(), environment, handler));
            var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.DoesNotContain(lines, l => l.StartsWith("Status:       deactivated", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains('\r', StringComparison.Ordinal) || l.Contains('\u001b', StringComparison.Ordinal) || l.Contains('\u202e', StringComparison.Ordinal));
            Assert.Single(lines, l => l.Contains("Eve", StringComparison.Ordinal));
        }
    }

    /// <summary>Answers every request with the same JSON body.</summary>
    private sealed class CannedResponse(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });
    }
}
