using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Gateway.Cli;
using Gateway.Storage;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// A gateway whose per-key tables are spread over two accounts, each a separate Azurite process: a
/// key's rows live in the account its id hashes to and nowhere else, spend and rollups equal the
/// ledger, every read across keys (the unscoped audit report, a team's, the export, verify-all, the
/// usage report) returns each row exactly once, and the sweep recovers rows left in either account's
/// journal. The copier lingers an hour, so rows stay in the journal until a test flushes it.
/// </summary>
public sealed class StorageAccountsTests(StorageAccountsTests.Fixture fixture) : IClassFixture<StorageAccountsTests.Fixture>
{
    public sealed class Fixture : GatewayFixture
    {
        public override StorageOptions Storage => TestStorage.TwoAccountOptions(Prefix);

        protected override IReadOnlyDictionary<string, string> Extra { get; } = new Dictionary<string, string>(TestStorage.TwoAccountSettings())
        {
            ["Gateway:Storage:LedgerCopyLinger"] = "01:00:00",
            ["Gateway:Keys:SweepInterval"] = "00:00:01",
        };

        public GatewayTables Tables => new(Microsoft.Extensions.Options.Options.Create(Storage));
    }

    private GatewayTables Tables { get; } = fixture.Tables;

    [Fact]
    public async Task Each_keys_rows_live_in_the_account_its_id_hashes_to_and_every_report_reads_both_once()
    {
        var team = "acct-team";
        Assert.Equal(HttpStatusCode.Created, (await fixture.Admin.PostAsJsonAsync("/admin/v1/teams", new { id = team })).StatusCode);
        var keys = new List<CreatedKey>();
        for (var u = 0; u < 3; u++)
        {
            Assert.Equal(HttpStatusCode.Created, (await fixture.Admin.PostAsJsonAsync("/admin/v1/users", new { id = $"acct-user{u}", teamId = team })).StatusCode);
            for (var k = 0; k < 4; k++)
            {
                keys.Add(await fixture.Admin.CreateKeyAsync($"acct-user{u}", 5m));
            }
        }

        var ids = keys.Select(k => k.KeyId).ToList();
        Assert.Equal(2, ids.Select(k => Tables.AccountFor(k).Index).Distinct().Count());
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await SendAsync(keys, rounds: 2);

        // Settled rows wait in the journal: each key's in its own account's shard, none in the other.
        foreach (var keyId in ids)
        {
            Assert.Equal((2, 0), (await JournalRowsAsync(Tables.AccountFor(keyId), keyId), await JournalRowsAsync(Other(keyId), keyId)));
        }

        await CopyAsync(ids, 2);
        foreach (var keyId in ids)
        {
            Assert.Equal((2, 0), (await CountAsync(Tables.AccountFor(keyId).Ledger, keyId), await CountAsync(Other(keyId).Ledger, keyId)));
            Assert.Equal((0, 0), (await JournalRowsAsync(Tables.AccountFor(keyId), keyId), await JournalRowsAsync(Other(keyId), keyId)));
            Assert.True(await CountAsync(Tables.AccountFor(keyId).Usage, keyId) > 0);
            Assert.Equal(0, await CountAsync(Other(keyId).Usage, keyId));
        }

        // A third round stays in the journal, so the reports below merge copied and uncopied rows in both accounts.
        await SendAsync(keys, rounds: 1);
        var after = DateTimeOffset.UtcNow.AddSeconds(1);
        var ledger = new Dictionary<string, List<AuditRecord>>();
        foreach (var keyId in ids)
        {
            ledger[keyId] = await fixture.Ledger.RowsAsync(keyId);
            Assert.Equal([1L, 2, 3], ledger[keyId].Select(r => r.Sequence));
            Assert.Equal(ledger[keyId].Sum(r => r.CostMicros), (await fixture.Admin.GetKeyAsync(keyId)).GetProperty("spentMicros").GetInt64());
        }

        var expected = ledger.Values.SelectMany(r => r).ToList();
        var range = $"from={Uri.EscapeDataString(before.ToString("O"))}&to={Uri.EscapeDataString(after.ToString("O"))}";

        // The unscoped report, three rows a page: every row once, in key then sequence order.
        var all = await AllPagesAsync($"all=true&{range}&limit=3");
        Assert.Equal(expected.Select(r => (r.KeyId, r.Sequence)).Order(), all.Select(Position));
        // The team's, merged in time order over both accounts.
        var byTeam = await AllPagesAsync($"teamId={team}&{range}&limit=4");
        Assert.Equal(expected.Select(r => (r.KeyId, r.Sequence)).Order(), byTeam.Select(Position).Order());
        Assert.Equal(byTeam.Select(i => i.GetProperty("recordedAt").GetDateTimeOffset()).Order(), byTeam.Select(i => i.GetProperty("recordedAt").GetDateTimeOffset()));

        // The export over every key, as an auditor would take it.
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await GatewayCtl.RunAsync(["audit", "export", "--all-keys", "--from", before.ToString("O"), "--to", after.ToString("O"), "--format", "jsonl", "--page-size", "5"], stdout, stderr,
            new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey });
        Assert.True(exit == 0, stderr.ToString());
        var exported = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(expected.Select(r => (r.KeyId, r.Sequence)).Order(), exported.Select(Position));

        // Every chain in both accounts, found by "verify all".
        var verify = await fixture.Admin.GetJsonAsync("/admin/v1/audit/verify?all=true");
        Assert.True(verify.GetProperty("ok").GetBoolean());
        var verified = verify.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("keyId").GetString()).ToHashSet();
        Assert.Superset(ids.ToHashSet(), verified!);

        // Usage by key from both accounts' rollups and journals: the ledger to the micro-dollar.
        await CopyAsync(ids, 3);
        var usage = await fixture.Admin.GetJsonAsync($"/admin/v1/usage?groupBy=key&{range}");
        var usageByKey = usage.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("group").GetString()!, r => r.GetProperty("costMicros").GetInt64());
        Assert.All(ids, k => Assert.Equal(ledger[k].Sum(r => r.CostMicros), usageByKey[k]));
        var rollups = new UsageRollups(Tables);
        foreach (var keyId in ids)
        {
            var rolled = new List<UsageRollup>();
            await foreach (var r in rollups.ReadKeyAsync(keyId))
            {
                rolled.Add(r);
            }

            Assert.Equal(ledger[keyId].Sum(r => r.CostMicros), rolled.Sum(r => r.CostMicros));
        }
    }

    [Fact]
    public async Task Rows_a_dead_silo_left_in_the_second_accounts_journal_are_found_by_the_sweep_and_copied()
    {
        CreatedKey key;
        do
        {
            key = await fixture.Admin.CreateKeyAsync("acct-recovery", 5m);
        }
        while (Tables.AccountFor(key.KeyId).Index != 1);

        await SendAsync([key], rounds: 1);
        await CopyAsync([key.KeyId], 1);
        var first = Assert.Single(await fixture.Ledger.RowsAsync(key.KeyId));
        await fixture.Gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // What a silo that died before its copy leaves: a settled row, an hour old, only in the journal of the key's account.
        var old = DateTimeOffset.UtcNow.AddHours(-1);
        var lost = (first with { RequestId = "lost-" + Guid.NewGuid().ToString("N"), CostMicros = 12_345, StartedAt = old, RecordedAt = old })
            .Seal(TestStorage.ChainKey, 2, first.Hash);
        var account = Tables.AccountFor(key.KeyId);
        await account.Journal.UpsertEntityAsync(lost.ToJournalEntity(TestStorage.Shards.PartitionFor(key.KeyId)), TableUpdateMode.Replace);

        // No request for the key: the sweep finds the row in account 2's shard, the key's activation counts and copies it.
        var copier = fixture.Gateway.Services.GetRequiredService<LedgerCopier>();
        await Poll.UntilAsync(async () =>
        {
            await copier.FlushAsync();
            return await CountAsync(account.Ledger, key.KeyId) == 2 && await JournalRowsAsync(account, key.KeyId) == 0;
        }, TimeSpan.FromSeconds(30), "the lost row copied into the second account's ledger");
        Assert.Equal(first.CostMicros + 12_345, (await fixture.Admin.GetKeyAsync(key.KeyId)).GetProperty("spentMicros").GetInt64());
        Assert.Equal(0, await CountAsync(Other(key.KeyId).Ledger, key.KeyId));
        Assert.True((await fixture.Ledger.Ledger.VerifyChainAsync(key.KeyId, CancellationToken.None)).Ok);
    }

    private LedgerAccount Other(string keyId) => Tables.Accounts[1 - Tables.AccountFor(keyId).Index];

    private async Task SendAsync(IReadOnlyList<CreatedKey> keys, int rounds)
    {
        var held = new Dictionary<string, int>();
        foreach (var key in keys)
        {
            held[key.KeyId] = (await fixture.Ledger.RowsAsync(key.KeyId)).Count;
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var key in keys)
            {
                using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 8, "spread me");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }

        // Settlement runs after the response: wait until every new row is durable (counted on top of
        // the rows each key held before, or a later round would pass on the earlier rounds' rows).
        await Poll.UntilAsync(async () =>
        {
            foreach (var key in keys)
            {
                if ((await fixture.Ledger.RowsAsync(key.KeyId)).Count < held[key.KeyId] + rounds)
                {
                    return false;
                }
            }

            return true;
        }, TimeSpan.FromSeconds(30), "every request settled");
    }

    private async Task CopyAsync(IReadOnlyList<string> keyIds, int rows)
    {
        await fixture.Gateway.Services.GetRequiredService<LedgerCopier>().FlushAsync();
        foreach (var keyId in keyIds)
        {
            await fixture.Ledger.CopiedAsync(keyId, rows);
        }
    }

    private async Task<List<JsonElement>> AllPagesAsync(string query)
    {
        var items = new List<JsonElement>();
        string? token = null;
        do
        {
            var page = await fixture.Admin.GetJsonAsync("/admin/v1/audit?" + query + (token is null ? "" : "&continuation=" + Uri.EscapeDataString(token)));
            items.AddRange(page.GetProperty("items").EnumerateArray());
            token = page.GetProperty("next").GetString();
        }
        while (token is not null);

        return items;
    }

    private static (string KeyId, long Sequence) Position(JsonElement item) => (item.GetProperty("keyId").GetString()!, item.GetProperty("sequence").GetInt64());

    /// <summary>A key's settled rows in one account's journal: every shard, so a row in the wrong shard would count too.</summary>
    private static async Task<int> JournalRowsAsync(LedgerAccount account, string keyId)
    {
        var count = 0;
        foreach (var shard in TestStorage.Shards.Partitions)
        {
            await foreach (var e in account.Journal.QueryAsync<TableEntity>($"PartitionKey eq '{shard}' and KeyId eq '{keyId}'", select: ["Sequence"]))
            {
                count += e.GetInt64("Sequence") is null ? 0 : 1;
            }
        }

        return count;
    }

    [Fact]
    public async Task Readiness_answers_for_each_account_by_its_index()
    {
        using var response = await fixture.Admin.GetAsync("/readyz");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body.RootElement.GetProperty("storage").GetBoolean());
        Assert.Equal(
            [(0, true), (1, true)],
            body.RootElement.GetProperty("storageAccounts").EnumerateArray().Select(a => (a.GetProperty("index").GetInt32(), a.GetProperty("reachable").GetBoolean())));
    }

    private static async Task<int> CountAsync(TableClient table, string keyId)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>($"PartitionKey eq '{keyId}'", select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}
