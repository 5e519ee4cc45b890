using System.Globalization;
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
    public async Task Spend_controls_through_the_cli_are_set_shown_and_removed()
    {
        var created = await RunAsync(GatewayServer.AdminKey, "keys", "create", "--user", "sven", "--create-user", "--cap", "5",
            "--max-request", "0.25", "--max-input-tokens", "50000", "--max-concurrent", "4", "--json");
        Assert.Equal(0, created.Exit);
        var keyId = JsonDocument.Parse(created.Out).RootElement.GetProperty("keyId").GetString()!;
        var controls = (await fixture.Admin.GetKeyAsync(keyId)).GetProperty("spendControls");
        Assert.Equal((250_000L, 50_000, 4), (controls.GetProperty("maxRequestMicros").GetInt64(), controls.GetProperty("maxInputTokens").GetInt32(), controls.GetProperty("maxConcurrent").GetInt32()));

        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "keys", "update", keyId, "--max-concurrent", "none", "--velocity-per-hour", "2.5", "--velocity-multiple", "0")).Exit);
        var shown = await RunAsync(GatewayServer.AdminKey, "keys", "show", keyId);
        Assert.Contains("Max request:", shown.Out, StringComparison.Ordinal);
        Assert.Contains("$0.25", shown.Out, StringComparison.Ordinal);
        Assert.Contains("50000 tokens", shown.Out, StringComparison.Ordinal);
        Assert.Contains("$2.50/hour, 0x normal", shown.Out, StringComparison.Ordinal);
        controls = (await fixture.Admin.GetKeyAsync(keyId)).GetProperty("spendControls");
        Assert.Equal(JsonValueKind.Null, controls.GetProperty("maxConcurrent").ValueKind);

        Assert.Equal(0, (await RunAsync(GatewayServer.AdminKey, "users", "update", "sven", "--max-input-tokens", "1000")).Exit);
        Assert.Contains("Max input:", (await RunAsync(GatewayServer.AdminKey, "users", "show", "sven")).Out, StringComparison.Ordinal);
        Assert.Equal(1000, (await fixture.Admin.GetJsonAsync("/admin/v1/users/sven")).GetProperty("budget").GetProperty("spendControls").GetProperty("maxInputTokens").GetInt32());

        // Bad values are usage errors, and a team takes no concurrency or velocity options: nothing is sent.
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "keys", "update", keyId, "--max-request", "0")).Exit);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "keys", "update", keyId, "--max-concurrent", "-3")).Exit);
        Assert.Equal(2, (await RunAsync(GatewayServer.AdminKey, "teams", "create", "swe", "--max-concurrent", "3")).Exit);
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

    [Fact]
    public async Task Audit_export_streams_csv_and_jsonl_that_round_trip_to_the_ledger()
    {
        var seed = await AuditSeed.CreateAsync(fixture, "export");
        var range = new[] { "--from", seed.Before.ToString("O"), "--to", seed.After.ToString("O") };
        var directory = Directory.CreateTempSubdirectory("gatewayctl-export-");
        try
        {
            // CSV of the team, two rows a request so that the export takes five pages, into a file.
            var file = Path.Combine(directory.FullName, "team.csv");
            var csv = await RunAsync(GatewayServer.AdminKey, ["audit", "export", "--team", seed.TeamId, .. range, "--format", "csv", "--page-size", "2", "--output", file]);
            Assert.True(csv.Exit == 0, csv.Err);
            Assert.Equal("", csv.Out);
            Assert.Contains("Exported 9 requests", csv.Err, StringComparison.Ordinal);
            Assert.Equal([file], Directory.GetFiles(directory.FullName));
            var records = ParseCsv(await File.ReadAllTextAsync(file));
            var header = records[0];
            Assert.Equal(header.Count, header.Distinct().Count());
            var rows = records.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();
            Assert.All(records, r => Assert.Equal(header.Count, r.Count));
            Assert.Equal(seed.TeamRows.Select(r => r.RequestId), rows.Select(r => r["requestId"]));
            Assert.Equal(seed.TeamRows.Sum(r => r.CostMicros), rows.Sum(r => long.Parse(r["costMicros"], CultureInfo.InvariantCulture)));
            Assert.True(seed.TeamRows.Sum(r => r.CostMicros) > 0);
            Assert.All(rows, r => Assert.Equal(long.Parse(r["costMicros"], CultureInfo.InvariantCulture), (long)(decimal.Parse(r["costUsd"], CultureInfo.InvariantCulture) * 1_000_000)));
            Assert.All(rows, r => Assert.Matches(@"^\d+\.\d{6}$", r["costUsd"]));
            Assert.Equal("denied", rows.Single(r => r["model"] == "gpt-4o")["outcome"]);
            Assert.Equal(seed.TeamId, rows.First(r => r["outcome"] == "completed")["teamId"]);

            // JSON Lines of one user, to standard output: one object per line, every row once.
            var jsonl = await RunAsync(GatewayServer.AdminKey, ["audit", "export", "--user", seed.FirstUser, .. range, "--format", "jsonl", "--page-size", "4"]);
            Assert.True(jsonl.Exit == 0, jsonl.Err);
            var lines = jsonl.Out.Split('\n');
            Assert.Equal("", lines[^1]);
            var objects = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToList();
            var expected = seed.TeamRows.Where(r => r.UserId == seed.FirstUser).ToList();
            Assert.Equal(6, objects.Count);
            Assert.Equal(expected.Select(r => r.RequestId), objects.Select(o => o.GetProperty("requestId").GetString()));
            Assert.Equal(expected.Sum(r => r.CostMicros), objects.Sum(o => o.GetProperty("costMicros").GetInt64()));

            var denied = await RunAsync(GatewayServer.AdminKey, ["audit", "export", "--team", seed.TeamId, .. range, "--outcome", "denied", "--format", "jsonl"]);
            Assert.Equal(seed.KeyC, JsonDocument.Parse(denied.Out.Trim()).RootElement.GetProperty("keyId").GetString());
            var large = await RunAsync(GatewayServer.AdminKey, ["audit", "export", "--key", seed.KeyA, .. range, "--model", "sim-large", "--format", "csv"]);
            Assert.Equal(2, ParseCsv(large.Out).Count);

            // The listing pages the same way, a token to go on with.
            var first = await RunAsync(GatewayServer.AdminKey, "audit", "--team", seed.TeamId, "--limit", "5");
            Assert.Equal(0, first.Exit);
            var more = first.Out.Split('\n').Single(l => l.StartsWith("More: --continuation ", StringComparison.Ordinal));
            var second = await RunAsync(GatewayServer.AdminKey, "audit", "--team", seed.TeamId, "--limit", "5", "--continuation", more["More: --continuation ".Length..].Trim());
            Assert.Equal(0, second.Exit);
            Assert.Contains("This page: ", second.Out, StringComparison.Ordinal);
            Assert.Contains(" over 4 requests", second.Out, StringComparison.Ordinal);
            Assert.DoesNotContain("More:", second.Out, StringComparison.Ordinal);

            // Refused before anything is sent (2), by the gateway (1), or no gateway at all (3); never a file left behind.
            var failed = Path.Combine(directory.FullName, "failed.csv");
            foreach (var args in new[]
            {
                new[] { "audit", "export", "--team", seed.TeamId, "--from", range[1], "--to", range[3] },
                ["audit", "export", "--team", seed.TeamId, .. range, "--format", "xml"],
                ["audit", "export", .. range, "--format", "csv"],
                ["audit", "export", "--team", seed.TeamId, "--user", seed.FirstUser, .. range, "--format", "csv"],
                ["audit", "export", "--team", seed.TeamId, "--from", range[1], "--format", "csv"],
                ["audit", "export", "--team", seed.TeamId, "--from", range[3], "--to", range[1], "--format", "csv"],
                ["audit", "export", "--team", seed.TeamId, .. range, "--format", "csv", "--page-size", "1001"],
                ["audit", "export", "--team", seed.TeamId, .. range, "--format", "csv", "--output", Path.Combine(directory.FullName, "no-such-dir", "x.csv")],
            })
            {
                var refused = await RunAsync(GatewayServer.AdminKey, args);
                Assert.True(refused.Exit == 2, $"{string.Join(' ', args)}: exit {refused.Exit} {refused.Err}");
            }

            var unknown = await RunAsync(GatewayServer.AdminKey, ["audit", "export", "--team", "no-such-team", .. range, "--format", "csv", "--output", failed]);
            Assert.Equal(1, unknown.Exit);
            Assert.Contains("404", unknown.Err, StringComparison.Ordinal);
            var unreachable = await GatewayCtl.RunAsync(["audit", "export", "--team", seed.TeamId, .. range, "--format", "csv", "--output", failed], new StringWriter(), new StringWriter(),
                new Dictionary<string, string?> { ["GATEWAY_URL"] = $"http://127.0.0.1:{FreePorts.Next()}", ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey });
            Assert.Equal(3, unreachable);
            Assert.Equal([file], Directory.GetFiles(directory.FullName));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Audit_export_follows_every_page_and_quotes_csv_fields_by_rfc_4180()
    {
        // Values a spreadsheet or a naive splitter would get wrong, exactly as a gateway could send them.
        const string Hostile = "a,b \"quoted\"\r\nnext line";
        const string Formula = "=HYPERLINK(\"http://x\")";
        string Row(int n, string error, long cost) => JsonSerializer.Serialize(new
        {
            recordedAt = "2026-11-27T10:00:0" + n + "+00:00", requestId = "r" + n, keyId = "k1", sequence = n, userId = "zoë ✓", model = "m", outcome = "completed",
            costMicros = cost, error,
        });
        using var handler = new PagedResponses(new Dictionary<string, string>
        {
            [""] = $$"""{"items":[{{Row(1, Hostile, 1_234_567)}},{{Row(2, Formula, 0)}}],"next":"t1"}""",
            ["t1"] = """{"items":[],"next":"t2"}""",
            ["t2"] = $$"""{"items":[{{Row(3, " leading and trailing ", 999_999)}}],"next":null}""",
        });
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = "http://gateway.invalid", ["GATEWAY_ADMIN_KEY"] = "gwadmin_x" };
        string[] args = ["audit", "export", "--user", "zoe", "--from", "2026-11-27", "--to", "2026-11-28", "--page-size", "2"];

        var stdout = new StringWriter();
        Assert.Equal(0, await GatewayCtl.RunAsync([.. args, "--format", "csv"], stdout, new StringWriter(), environment, handler));
        var records = ParseCsv(stdout.ToString());
        Assert.Equal(4, records.Count);
        var column = (string name) => records[0].IndexOf(name);
        Assert.Equal([Hostile, Formula, " leading and trailing "], records.Skip(1).Select(r => r[column("error")]));
        Assert.Equal(["1.234567", "0.000000", "0.999999"], records.Skip(1).Select(r => r[column("costUsd")]));
        Assert.Equal("zoë ✓", records[1][column("userId")]);
        Assert.Equal("", records[1][column("teamId")]);
        Assert.Equal(["", "t1", "t2"], handler.Continuations);
        Assert.All(handler.Queries, q => Assert.Contains("limit=2", q, StringComparison.Ordinal));
        Assert.All(handler.Queries, q => Assert.Contains("userId=zoe", q, StringComparison.Ordinal));

        stdout = new StringWriter();
        Assert.Equal(0, await GatewayCtl.RunAsync([.. args, "--format", "jsonl"], stdout, new StringWriter(), environment, handler));
        var lines = stdout.ToString().Split('\n')[..^1];
        Assert.Equal(3, lines.Length);
        Assert.Equal(Hostile, JsonDocument.Parse(lines[0]).RootElement.GetProperty("error").GetString());
        Assert.Equal("zoë ✓", JsonDocument.Parse(lines[2]).RootElement.GetProperty("userId").GetString());
    }

    /// <summary>Parses CSV strictly by RFC 4180: CRLF after every record, quotes only around whole fields, doubled inside.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                Assert.True(field.Length == 0 && !wasQuoted, $"a quote inside an unquoted field at {i}");
                quoted = wasQuoted = true;
            }
            else if (c is ',' or '\r')
            {
                record.Add(field.ToString());
                field.Clear();
                wasQuoted = false;
                if (c == '\r')
                {
                    Assert.True(i + 1 < text.Length && text[i + 1] == '\n', $"CR without LF at {i}");
                    i++;
                    records.Add(record);
                    record = [];
                }
            }
            else
            {
                Assert.True(c != '\n' && !wasQuoted, $"a bare LF or text after a closing quote at {i}");
                field.Append(c);
            }
        }

        Assert.False(quoted, "an unterminated quoted field");
        Assert.True(record.Count == 0 && field.Length == 0, "the last record is not ended by CRLF");
        return records;
    }

    /// <summary>Serves the pages of an audit query by their continuation (none for the first), and records what was asked.</summary>
    private sealed class PagedResponses(IReadOnlyDictionary<string, string> pages) : HttpMessageHandler
    {
        public List<string> Continuations { get; } = [];

        public List<string> Queries { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.RequestUri!.Query);
            var continuation = query.TryGetValue("continuation", out var value) ? value.ToString() : "";
            Continuations.Add(continuation);
            Queries.Add(request.RequestUri.Query);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent(pages[continuation], System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }

    /// <summary>Answers every request with the same JSON body.</summary>
    [Fact]
    public async Task Cluster_status_exits_4_when_a_storage_account_did_not_answer_and_names_it()
    {
        var report = """
            {"at":"2026-12-03T11:00:00Z","silos":[{"address":"10.0.0.4:11111@1","name":"silo1","hostName":"host1","status":"Active",
              "startedAt":"2026-12-03T10:00:00Z","lastAliveAt":"2026-12-03T10:59:50Z","activations":24,"recentlyUsedActivations":20,"clients":2,"cpuPercent":17.8,"memoryBytes":158334976}],
             "activations":24,
             "journal":{"intents":3,"oldestIntentAt":"2026-12-03T10:59:58Z","settled":12,"oldestSettledAt":"2026-12-03T10:59:55Z","partitions":4,"shards":4,"shardsAlsoRead":2,"underOtherCount":5},
             "storage":{"windowSeconds":60,"since":"2026-12-03T10:59:00Z","calls":410,"failures":0,"p50Ms":3.1,"p95Ms":11.6,"maxMs":40.2},
             "probe":{"reachable":REACHABLE,"milliseconds":5000.3,"accounts":[
               {"holds":"main","account":"gwmain","reachable":true,"milliseconds":4.2},
               {"holds":"keys-0","account":"gwmain","reachable":true,"milliseconds":3.9},
               {"holds":"keys-1","account":"gwkeys1","reachable":REACHABLE,"milliseconds":5000.3}]},
             "dashboard":null}
            """;
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = "http://gateway.invalid", ["GATEWAY_ADMIN_KEY"] = "gwadmin_x" };

        foreach (var (reachable, exit) in new[] { ("false", 4), ("true", 0) })
        {
            using var handler = new CannedResponse(report.Replace("REACHABLE", reachable, StringComparison.Ordinal));
            var stdout = new StringWriter();
            Assert.Equal(exit, await GatewayCtl.RunAsync(["cluster", "status"], stdout, new StringWriter(), environment, handler));
            var text = stdout.ToString();
            Assert.Matches(@"(?m)^Cluster at 2026-12-03 11:00:00 UTC: 1 of 1 silos active, 24 activations", text);
            Assert.Matches(@"(?m)^10\.0\.0\.4:11111@1\s+host1\s+Active\s+2026-12-03 10:00:00 UTC\s+2026-12-03 10:59:50 UTC\s+24\s+2\s+17\.8 %\s+151 MiB", text);
            Assert.Matches(@"(?m)^Open intents:\s+3 \(oldest 2 s ago\)", text);
            Assert.Matches(@"(?m)^Shard count changing:\s+written under 4, also read under 2: 5 rows not yet in their key's partition under 4$", text);
            Assert.Matches(@"(?m)^keys-1\s+gwkeys1\s+" + (reachable == "true" ? "yes" : "NO") + @"\s+5000\.3 ms", text);
        }
    }

    private sealed class CannedResponse(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });
    }
}
