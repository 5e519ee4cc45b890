using System.Net;
using System.Net.Http.Json;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Ledger rows of known shape for the audit query tests: a team of two users, the first with keys A and
/// B, the second with key C (allowed gpt-4o-mini only), and a user outside the team with key D. Requests
/// alternate between the keys so that their rows interleave in time:
/// A: 3 gpt-4o-mini + 1 sim-large, B: 2 gpt-4o-mini, C: 2 gpt-4o-mini + 1 refused gpt-4o (denied), D: 1 gpt-4o-mini.
/// So the team has 9 rows (8 completed, 1 denied; 7 gpt-4o-mini, 1 sim-large, 1 gpt-4o).
/// </summary>
public sealed record AuditSeed(
    string TeamId,
    string FirstUser,
    string SecondUser,
    string Outsider,
    string KeyA,
    string KeyB,
    string KeyC,
    string KeyD,
    IReadOnlyList<AuditRecord> TeamRows,
    IReadOnlyList<AuditRecord> OutsiderRows,
    DateTimeOffset Before,
    DateTimeOffset After,
    string KeyASecret)
{
    /// <summary>Creates the team, users, keys and requests (ids prefixed with <paramref name="name"/>) and waits for every row.</summary>
    public static async Task<AuditSeed> CreateAsync(GatewayFixture fixture, string name)
    {
        var admin = fixture.Admin;
        var team = $"{name}-team";
        var (first, second, outsider) = ($"{name}-first", $"{name}-second", $"{name}-outsider");
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/admin/v1/teams", new { id = team })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/admin/v1/users", new { id = first, teamId = team })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/admin/v1/users", new { id = second, teamId = team })).StatusCode);
        var a = await admin.CreateKeyAsync(first, 5m);
        var b = await admin.CreateKeyAsync(first, 5m);
        var c = await admin.CreateKeyAsync(second, 5m, ["gpt-4o-mini"]);
        var d = await admin.CreateKeyAsync(outsider, 5m);

        // Taken just before the first request (the gateway runs in this process, on this clock): rows of earlier tests are all older.
        var before = DateTimeOffset.UtcNow;
        (CreatedKey Key, string Model, HttpStatusCode Status)[] requests =
        [
            (a, "gpt-4o-mini", HttpStatusCode.OK), (b, "gpt-4o-mini", HttpStatusCode.OK), (c, "gpt-4o-mini", HttpStatusCode.OK),
            (a, "gpt-4o-mini", HttpStatusCode.OK), (b, "gpt-4o-mini", HttpStatusCode.OK), (c, "gpt-4o-mini", HttpStatusCode.OK),
            (a, "gpt-4o-mini", HttpStatusCode.OK), (a, "sim-large", HttpStatusCode.OK), (c, "gpt-4o", HttpStatusCode.Forbidden),
            (d, "gpt-4o-mini", HttpStatusCode.OK),
        ];
        foreach (var (key, model, status) in requests)
        {
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 8, "audit me", model);
            Assert.Equal(status, response.StatusCode);
        }

        var expected = new Dictionary<string, int> { [a.KeyId] = 4, [b.KeyId] = 2, [c.KeyId] = 3, [d.KeyId] = 1 };
        var rows = await Poll.UntilAsync(
            async () => await Task.WhenAll(expected.Keys.Select(k => fixture.Ledger.RowsAsync(k))),
            all => all.Zip(expected.Values).All(p => p.First.Count == p.Second),
            TimeSpan.FromSeconds(20),
            "every seeded row",
            all => string.Join(", ", all.Select(r => r.Count)));
        var after = DateTimeOffset.UtcNow.AddSeconds(1);
        return new AuditSeed(team, first, second, outsider, a.KeyId, b.KeyId, c.KeyId, d.KeyId,
            InQueryOrder(rows[0].Concat(rows[1]).Concat(rows[2])), rows[3], before, after, a.Key);
    }

    /// <summary>The order the query promises within a page: recorded time, then key id, then sequence.</summary>
    public static IReadOnlyList<AuditRecord> InQueryOrder(IEnumerable<AuditRecord> rows) =>
        [.. rows.OrderBy(r => r.RecordedAt.UtcTicks).ThenBy(r => r.KeyId, StringComparer.Ordinal).ThenBy(r => r.Sequence)];
}
