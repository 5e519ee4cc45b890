using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>"Who did this, when, at what cost" answered with a query over the audit ledger.</summary>
public sealed class AuditQueryTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<HttpStatusCode> ChatAsync(string key, string model = "gpt-4o-mini")
    {
        using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key, maxTokens: 8, "audit me", model);
        return response.StatusCode;
    }

    [Fact]
    public async Task Requests_are_found_by_key_by_user_and_by_time_with_their_cost()
    {
        var laptop = await fixture.Admin.CreateKeyAsync("quentin", 5m, ["gpt-4o-mini"]);
        var agent = await fixture.Admin.CreateKeyAsync("quentin", 5m);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(laptop.Key));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(laptop.Key));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(laptop.Key, "gpt-4o"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(agent.Key));
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(laptop.KeyId)).Count == 3 && (await fixture.Ledger.RowsAsync(agent.KeyId)).Count == 1,
            TimeSpan.FromSeconds(10), "all four rows");

        // Oldest first: a key's rows in the order its grain wrote them.
        var byKey = await fixture.Admin.GetJsonAsync($"/admin/v1/audit?keyId={laptop.KeyId}");
        var keyItems = byKey.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, keyItems.Count);
        Assert.Equal(["completed", "completed", "denied"], keyItems.Select(i => i.GetProperty("outcome").GetString()));
        Assert.Equal("ModelNotAllowed", keyItems[2].GetProperty("denial").GetString());
        Assert.Equal(JsonValueKind.Null, byKey.GetProperty("next").ValueKind);

        var byUser = await fixture.Admin.GetJsonAsync($"/admin/v1/audit?userId=quentin&from={Uri.EscapeDataString(before.ToString("O"))}");
        var userItems = byUser.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(4, userItems.Count);
        var times = userItems.Select(i => i.GetProperty("recordedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.Order(), times);
        var spent = (await fixture.Admin.GetKeyAsync(laptop.KeyId)).GetProperty("spentMicros").GetInt64() + (await fixture.Admin.GetKeyAsync(agent.KeyId)).GetProperty("spentMicros").GetInt64();
        Assert.Equal(spent, userItems.Sum(i => i.GetProperty("costMicros").GetInt64()));
        Assert.True(spent > 0);

        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        var none = await fixture.Admin.GetJsonAsync($"/admin/v1/audit?userId=quentin&from={future}");
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, none.GetProperty("next").ValueKind);

        var one = await fixture.Admin.GetJsonAsync("/admin/v1/audit?userId=quentin&limit=1");
        Assert.Equal(1, one.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.String, one.GetProperty("next").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Admin.GetAsync("/admin/v1/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/admin/v1/audit?userId=nobody-at-all")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Admin.GetAsync("/admin/v1/audit?teamId=no-team-at-all")).StatusCode);
    }

    [Fact]
    public async Task A_team_is_paged_in_time_order_with_every_row_of_its_members_keys_exactly_once()
    {
        var seed = await AuditSeed.CreateAsync(fixture, "paging");

        var pages = await PagesAsync($"teamId={seed.TeamId}", limit: 2);

        // 9 rows at 2 a page: 5 pages, each full but the last, and a token on all but the last.
        Assert.Equal([2, 2, 2, 2, 1], pages.Select(p => p.Items.Count));
        Assert.All(pages.SkipLast(1), p => Assert.NotNull(p.Next));
        Assert.Null(pages[^1].Next);
        var served = pages.SelectMany(p => p.Items).Select(i => (i.GetProperty("keyId").GetString(), i.GetProperty("sequence").GetInt64())).ToList();
        Assert.Equal(seed.TeamRows.Select(r => ((string?)r.KeyId, r.Sequence)), served);
        Assert.DoesNotContain(served, s => s.Item1 == seed.KeyD);
        Assert.Equal(new[] { seed.KeyA, seed.KeyB, seed.KeyC }.Order(StringComparer.Ordinal), served.Select(s => s.Item1!).Distinct().Order(StringComparer.Ordinal));

        // A page size may change from one page to the next: the token says where, not how much.
        var first = await PageAsync($"teamId={seed.TeamId}&limit=4");
        var rest = await PageAsync($"teamId={seed.TeamId}&limit=1000&continuation={Uri.EscapeDataString(first.Next!)}");
        Assert.Equal(served, first.Items.Concat(rest.Items).Select(i => (i.GetProperty("keyId").GetString(), i.GetProperty("sequence").GetInt64())));
        Assert.Null(rest.Next);

        // The same through a user's keys, one row a page.
        var firstUser = (await PagesAsync($"userId={seed.FirstUser.ToUpperInvariant()}", limit: 1)).SelectMany(p => p.Items).ToList();
        Assert.Equal(seed.TeamRows.Where(r => r.UserId == seed.FirstUser).Select(r => r.RequestId), firstUser.Select(i => i.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task Each_filter_narrows_to_exactly_the_matching_rows()
    {
        var seed = await AuditSeed.CreateAsync(fixture, "filters");
        async Task<List<JsonElement>> RowsAsync(string query) => [.. (await PagesAsync(query, limit: 3)).SelectMany(p => p.Items)];
        var team = $"teamId={seed.TeamId}";

        Assert.Equal(9, (await RowsAsync(team)).Count);
        Assert.Equal(4, (await RowsAsync($"keyId={seed.KeyA}")).Count);
        Assert.Equal(2, (await RowsAsync($"keyId={seed.KeyB}")).Count);
        Assert.Equal(6, (await RowsAsync($"userId={seed.FirstUser}")).Count);
        Assert.Equal(3, (await RowsAsync($"userId={seed.SecondUser}")).Count);

        var large = await RowsAsync($"{team}&model=sim-large");
        Assert.Equal((1, seed.KeyA), (large.Count, large[0].GetProperty("keyId").GetString()));
        Assert.Equal(7, (await RowsAsync($"{team}&model=gpt-4o-mini")).Count);
        Assert.Equal(8, (await RowsAsync($"{team}&outcome=completed")).Count);
        var denied = await RowsAsync($"{team}&outcome=denied");
        Assert.Equal((1, seed.KeyC, "gpt-4o"), (denied.Count, denied[0].GetProperty("keyId").GetString(), denied[0].GetProperty("model").GetString()));
        Assert.Empty(await RowsAsync($"{team}&outcome=timeout"));
        Assert.Equal(5, (await RowsAsync($"userId={seed.FirstUser}&model=gpt-4o-mini&outcome=completed")).Count);

        var wanted = seed.TeamRows[4];
        var byRequest = await RowsAsync($"{team}&requestId={wanted.RequestId}");
        Assert.Equal((1, wanted.RequestId, wanted.CostMicros), (byRequest.Count, byRequest[0].GetProperty("requestId").GetString(), byRequest[0].GetProperty("costMicros").GetInt64()));
        Assert.Empty(await RowsAsync($"userId={seed.Outsider}&requestId={wanted.RequestId}"));

        // [from, to): from is included, to is not, on the rows' recorded time.
        var (from, to) = (seed.TeamRows[2].RecordedAt, seed.TeamRows[7].RecordedAt);
        var expected = seed.TeamRows.Where(r => r.RecordedAt >= from && r.RecordedAt < to).Select(r => r.RequestId).ToList();
        Assert.InRange(expected.Count, 3, 5);
        var inRange = await RowsAsync($"{team}&from={Time(from)}&to={Time(to)}");
        Assert.Equal(expected, inRange.Select(i => i.GetProperty("requestId").GetString()));

        // The unscoped report reads every key (the team's and the outsider's), pages too, and takes every filter.
        var everything = await RowsAsync($"all=true&from={Time(seed.Before)}&to={Time(seed.After)}");
        Assert.Equal(
            seed.TeamRows.Concat(seed.OutsiderRows).Select(r => r.RequestId).Order(StringComparer.Ordinal),
            everything.Select(i => i.GetProperty("requestId").GetString()!).Order(StringComparer.Ordinal));
        var keyOrder = everything.Select(i => (i.GetProperty("keyId").GetString()!, i.GetProperty("sequence").GetInt64())).ToList();
        Assert.Equal(keyOrder.OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2), keyOrder);
        Assert.Single(await RowsAsync($"all=true&requestId={wanted.RequestId}"));
        Assert.Single(await RowsAsync($"all=true&from={Time(seed.Before)}&to={Time(seed.After)}&model=sim-large&outcome=completed"));
        Assert.Equal(8, (await RowsAsync($"all=true&from={Time(seed.Before)}&to={Time(seed.After)}&model=gpt-4o-mini")).Count);

        // A request id alone says nothing about whose partitions to read: it takes a scope, or all=true.
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Admin.GetAsync($"/admin/v1/audit?requestId={wanted.RequestId}")).StatusCode);
        foreach (var bad in new[] { "outcome=finished", "model=gpt%0A4o", "model=" + new string('m', 101), "limit=0", "limit=1001", $"from={Time(to)}&to={Time(from)}", "requestId=a%0Ab" })
        {
            using var response = await fixture.Admin.GetAsync($"/admin/v1/audit?{team}&{bad}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_malformed_forged_or_misapplied_continuation_is_a_400_in_the_admin_error_format()
    {
        var seed = await AuditSeed.CreateAsync(fixture, "tokens");
        var team = $"teamId={seed.TeamId}";
        var token = (await PageAsync($"{team}&limit=2")).Next!;
        var bytes = Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (token.Length % 4)) % 4));
        string Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var flipped = (byte[])bytes.Clone();
        flipped[3] ^= 0x01;
        var macFlipped = (byte[])bytes.Clone();
        macFlipped[^1] ^= 0x80;

        // A made-up position for a key outside the scope, with a MAC that cannot be right.
        var forged = new List<byte> { 1, 1, (byte)seed.KeyD.Length };
        forged.AddRange(System.Text.Encoding.ASCII.GetBytes(seed.KeyD));
        forged.Add(0);
        forged.AddRange(new byte[16]);

        var refused = new[]
        {
            ("garbage", $"{team}&continuation=not-a-token!"),
            ("empty", $"{team}&continuation="),
            ("truncated", $"{team}&continuation={token[..(token.Length / 2)]}"),
            ("payload edited", $"{team}&continuation={Url(flipped)}"),
            ("mac edited", $"{team}&continuation={Url(macFlipped)}"),
            ("forged", $"{team}&continuation={Url([.. forged])}"),
            ("long", $"{team}&continuation={new string('A', 7_000)}"),
            ("other filters", $"{team}&model=gpt-4o-mini&continuation={token}"),
            ("other scope", $"userId={seed.FirstUser}&continuation={token}"),
            ("other time range", $"{team}&from={Time(seed.Before)}&continuation={token}"),
            ("the unscoped report", $"all=true&continuation={token}"),
        };
        foreach (var (what, query) in refused)
        {
            using var response = await fixture.Admin.GetAsync($"/admin/v1/audit?{query}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(body).RootElement;
            Assert.Equal(400, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), what);
        }

        // The genuine token still works, and only for its own query.
        var next = await PageAsync($"{team}&limit=2&continuation={token}");
        Assert.Equal(2, next.Items.Count);
    }

    private static string Time(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O"));

    private async Task<(List<JsonElement> Items, string? Next)> PageAsync(string query)
    {
        var page = await fixture.Admin.GetJsonAsync($"/admin/v1/audit?{query}");
        var next = page.GetProperty("next");
        return ([.. page.GetProperty("items").EnumerateArray()], next.ValueKind == JsonValueKind.Null ? null : next.GetString());
    }

    /// <summary>Every page of a query, following <c>next</c>; fails on a page over the limit or a loop.</summary>
    private async Task<List<(List<JsonElement> Items, string? Next)>> PagesAsync(string query, int limit)
    {
        var pages = new List<(List<JsonElement> Items, string? Next)>();
        string? continuation = null;
        do
        {
            var page = await PageAsync($"{query}&limit={limit}" + (continuation is null ? "" : $"&continuation={Uri.EscapeDataString(continuation)}"));
            Assert.True(page.Items.Count <= limit, $"a page of {page.Items.Count} rows for limit {limit}");
            Assert.True(pages.Count < 100, "more than 100 pages: the tokens go round in circles");
            pages.Add(page);
            continuation = page.Next;
        }
        while (continuation is not null);

        return pages;
    }

    [Fact]
    public async Task Usage_is_grouped_by_user_team_and_model_with_totals()
    {
        await fixture.Admin.PostAsJsonAsync("/admin/v1/teams", new { id = "usage-team" });
        await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = "ula", teamId = "usage-team" });
        await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = "ulf", teamId = "usage-team" });
        var ula = await fixture.Admin.CreateKeyAsync("ula", 5m);
        var ulf = await fixture.Admin.CreateKeyAsync("ulf", 5m);
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ula.Key));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ula.Key, "sim-large"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ulf.Key));
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(ula.KeyId)).Count == 2 && (await fixture.Ledger.RowsAsync(ulf.KeyId)).Count == 1,
            TimeSpan.FromSeconds(10), "the three rows");
        var ulaCost = (await fixture.Ledger.RowsAsync(ula.KeyId)).Sum(r => r.CostMicros);
        var ulfCost = (await fixture.Ledger.RowsAsync(ulf.KeyId)).Sum(r => r.CostMicros);

        JsonElement Row(JsonElement report, string group) => report.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("group").GetString() == group);
        var byUser = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=user")).RootElement;
        Assert.Equal((2L, ulaCost), (Row(byUser, "ula").GetProperty("requests").GetInt64(), Row(byUser, "ula").GetProperty("costMicros").GetInt64()));
        Assert.Equal(byUser.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("costMicros").GetInt64()), byUser.GetProperty("totalCostMicros").GetInt64());
        var byTeam = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=team")).RootElement;
        Assert.Equal(ulaCost + ulfCost, Row(byTeam, "usage-team").GetProperty("costMicros").GetInt64());

        // Moving to another team takes nothing along: what ulf spent stays with the team that held it.
        await fixture.Admin.PostAsJsonAsync("/admin/v1/teams", new { id = "usage-team-2" });
        await fixture.Admin.PatchJsonAsync("/admin/v1/users/ulf", new { teamId = "usage-team-2" });
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(ulf.Key));
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(ulf.KeyId)).Count == 2, TimeSpan.FromSeconds(10), "ulf's second row");
        var ulfAfterMove = (await fixture.Ledger.RowsAsync(ulf.KeyId)).Single(r => r.Sequence == 2).CostMicros;
        var moved = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=team")).RootElement;
        Assert.Equal(ulaCost + ulfCost, Row(moved, "usage-team").GetProperty("costMicros").GetInt64());
        Assert.Equal(ulfAfterMove, Row(moved, "usage-team-2").GetProperty("costMicros").GetInt64());
        var byModel = JsonDocument.Parse(await fixture.Admin.GetStringAsync("/admin/v1/usage?groupBy=model")).RootElement;
        Assert.True(Row(byModel, "sim-large").GetProperty("costMicros").GetInt64() > 0);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.Admin.GetAsync("/admin/v1/usage?groupBy=planet")).StatusCode);

        var stdout = new StringWriter();
        var exit = await Gateway.Cli.GatewayCtl.RunAsync(["usage", "--by", "team"], stdout, new StringWriter(),
            new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey });
        Assert.Equal(0, exit);
        Assert.Contains("usage-team", stdout.ToString(), StringComparison.Ordinal);
    }
}
