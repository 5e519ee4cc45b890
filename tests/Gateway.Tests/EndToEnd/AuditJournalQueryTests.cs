using System.Net;
using System.Text.Json;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// The audit query shows a row as soon as its settlement is durable in the journal, before the copier
/// moves it into its key's ledger partition, and a row that moves between two pages is served once.
/// The copier lingers an hour here, so rows stay in the journal until the test flushes it.
/// </summary>
public sealed class AuditJournalQueryTests(AuditJournalQueryTests.Fixture fixture) : IClassFixture<AuditJournalQueryTests.Fixture>
{
    public sealed class Fixture : GatewayFixture
    {
        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>
        {
            ["Gateway:Storage:LedgerCopyLinger"] = "01:00:00",
        };
    }

    [Fact]
    public async Task Rows_still_in_the_journal_are_served_and_served_once_when_they_move_between_pages()
    {
        var seed = await AuditSeed.CreateAsync(fixture, "journal");
        Assert.Empty(await fixture.Ledger.CopiedRowsAsync(seed.KeyA));

        // Every row in the journal only: the first page comes from there.
        var team = $"teamId={seed.TeamId}";
        var (first, token) = await PageAsync($"{team}&limit=4");
        Assert.Equal(4, first.Count);

        // The copier moves every row into the ledger between this page and the next.
        await fixture.Gateway.Services.GetRequiredService<LedgerCopier>().FlushAsync();
        await Poll.UntilAsync(async () => (await fixture.Ledger.CopiedRowsAsync(seed.KeyA)).Count == 4 && (await fixture.Ledger.CopiedRowsAsync(seed.KeyC)).Count == 3, TimeSpan.FromSeconds(20), "the copy");
        var served = new List<JsonElement>(first);
        while (token is not null)
        {
            (var page, token) = await PageAsync($"{team}&limit=2&continuation={Uri.EscapeDataString(token)}");
            served.AddRange(page);
        }

        Assert.Equal(seed.TeamRows.Select(r => ((string?)r.KeyId, r.Sequence)), served.Select(Position));

        // A key with rows in both places: four copied, then two more still in the journal.
        foreach (var model in new[] { "gpt-4o-mini", "sim-large" })
        {
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, seed.KeyASecret, maxTokens: 8, "audit me", model);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var all = await Poll.UntilAsync(() => fixture.Ledger.RowsAsync(seed.KeyA), r => r.Count == 6, TimeSpan.FromSeconds(20), "the two new rows");
        Assert.Equal(4, (await fixture.Ledger.CopiedRowsAsync(seed.KeyA)).Count);
        var byKey = new List<JsonElement>();
        string? next = null;
        do
        {
            (var page, next) = await PageAsync($"keyId={seed.KeyA}&limit=2" + (next is null ? "" : $"&continuation={Uri.EscapeDataString(next)}"));
            byKey.AddRange(page);
        }
        while (next is not null);

        Assert.Equal(all.Select(r => r.RequestId), byKey.Select(i => i.GetProperty("requestId").GetString()));
        Assert.Equal([1L, 2, 3, 4, 5, 6], byKey.Select(i => i.GetProperty("sequence").GetInt64()));
        var newest = all[^1];
        var found = (await PageAsync($"keyId={seed.KeyA}&requestId={newest.RequestId}")).Items;
        Assert.Equal((1, newest.CostMicros), (found.Count, found[0].GetProperty("costMicros").GetInt64()));
        Assert.Equal(2, (await PageAsync($"keyId={seed.KeyA}&model=sim-large")).Items.Count);

        // The unscoped report shows journal rows too, each once.
        var report = new List<JsonElement>();
        next = null;
        do
        {
            (var page, next) = await PageAsync($"all=true&from={Uri.EscapeDataString(seed.Before.ToString("O"))}&limit=3" + (next is null ? "" : $"&continuation={Uri.EscapeDataString(next)}"));
            report.AddRange(page);
        }
        while (next is not null);

        Assert.Equal(
            seed.TeamRows.Concat(seed.OutsiderRows).Select(r => r.RequestId).Concat(all.Skip(4).Select(r => r.RequestId)).Order(StringComparer.Ordinal),
            report.Select(i => i.GetProperty("requestId").GetString()!).Order(StringComparer.Ordinal));
    }

    private static (string?, long) Position(JsonElement item) => (item.GetProperty("keyId").GetString(), item.GetProperty("sequence").GetInt64());

    private async Task<(List<JsonElement> Items, string? Next)> PageAsync(string query)
    {
        var page = await fixture.Admin.GetJsonAsync($"/admin/v1/audit?{query}");
        var next = page.GetProperty("next");
        return ([.. page.GetProperty("items").EnumerateArray()], next.ValueKind == JsonValueKind.Null ? null : next.GetString());
    }
}
