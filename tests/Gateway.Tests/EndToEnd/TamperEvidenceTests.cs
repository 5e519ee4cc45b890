using System.Net;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Gateway.Cli;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Storage.Audit;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Someone with write access to the tables, but not the chain secret, edits the audit trail as an
/// attacker would; <c>GET /admin/v1/audit/verify</c> and <c>gatewayctl audit verify</c> name what they
/// did and where.
/// </summary>
public sealed class TamperEvidenceTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const int Rows = 5;

    private readonly GatewayTables _tables = new(Microsoft.Extensions.Options.Options.Create(TestStorage.Options(fixture.Prefix)));

    [Fact]
    public async Task An_untouched_chain_verifies_over_http_and_the_cli()
    {
        var keyId = await KeyWithRowsAsync("tamper-none");

        var chain = await VerifyKeyAsync(keyId);
        Assert.True(chain.GetProperty("ok").GetBoolean(), chain.ToString());
        Assert.Equal((Rows, Rows, Rows), (chain.GetProperty("rows").GetInt64(), chain.GetProperty("lastSequence").GetInt64(), chain.GetProperty("anchoredSequence").GetInt64()));
        var cli = await CliAsync("audit", "verify", "--key", keyId);
        Assert.Equal(0, cli.Exit);
        Assert.Contains("intact", cli.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_row_is_reported_as_edited_at_its_row()
    {
        var keyId = await KeyWithRowsAsync("tamper-edit");
        var row = await LedgerRowAsync(keyId, 3);
        row["CostMicros"] = 0L;
        await _tables.AccountFor(keyId).Ledger.UpdateEntityAsync(row, ETag.All, TableUpdateMode.Replace);

        await AssertBrokenAsync(keyId, "edited", 3, TableKeys.Sequence(3));
    }

    [Fact]
    public async Task A_row_deleted_from_the_middle_is_reported_as_deleted_naming_the_missing_sequence()
    {
        var keyId = await KeyWithRowsAsync("tamper-delete");
        await _tables.AccountFor(keyId).Ledger.DeleteEntityAsync(keyId, TableKeys.Sequence(2));

        await AssertBrokenAsync(keyId, "deleted", 2, null);
    }

    [Fact]
    public async Task Deleting_the_newest_rows_is_reported_as_truncated_against_the_head_the_grain_holds()
    {
        var keyId = await KeyWithRowsAsync("tamper-tail");
        await _tables.AccountFor(keyId).Ledger.DeleteEntityAsync(keyId, TableKeys.Sequence(Rows));
        await _tables.AccountFor(keyId).Ledger.DeleteEntityAsync(keyId, TableKeys.Sequence(Rows - 1));

        var chain = await AssertBrokenAsync(keyId, "truncated", Rows - 1, null);
        Assert.Equal((Rows - 2, Rows), (chain.GetProperty("lastSequence").GetInt64(), chain.GetProperty("anchoredSequence").GetInt64()));
    }

    [Fact]
    public async Task An_inserted_row_is_reported_as_inserted_at_its_row()
    {
        // The rows from 3 on move up one place and a forged row takes place 3, chained to row 2 and
        // hashed the only way a forger can: plain SHA-256.
        var keyId = await KeyWithRowsAsync("tamper-insert");
        for (var seq = Rows; seq >= 3; seq--)
        {
            var moved = await LedgerRowAsync(keyId, seq);
            await _tables.AccountFor(keyId).Ledger.UpsertEntityAsync(Copy(moved, TableKeys.Sequence(seq + 1)), TableUpdateMode.Replace);
        }

        var genuine = AuditRecord.FromEntity(await LedgerRowAsync(keyId, 3));
        var forged = genuine with { RequestId = "req_forged", CostMicros = 1 };
        forged = forged with { Hash = forged.ComputeHash() };
        await _tables.AccountFor(keyId).Ledger.UpsertEntityAsync(forged.ToEntity(), TableUpdateMode.Replace);

        await AssertBrokenAsync(keyId, "inserted", 3, TableKeys.Sequence(3));
    }

    [Fact]
    public async Task A_row_added_past_the_head_is_reported_as_inserted()
    {
        var keyId = await KeyWithRowsAsync("tamper-append");
        var last = AuditRecord.FromEntity(await LedgerRowAsync(keyId, Rows));
        var forged = last with { Sequence = Rows + 1, PreviousHash = last.Hash, RequestId = "req_forged" };
        forged = forged with { Hash = forged.ComputeHash() };
        await _tables.AccountFor(keyId).Ledger.AddEntityAsync(forged.ToEntity());

        await AssertBrokenAsync(keyId, "inserted", Rows + 1, TableKeys.Sequence(Rows + 1));
    }

    [Fact]
    public async Task Two_swapped_rows_are_reported_as_reordered_at_the_first()
    {
        var keyId = await KeyWithRowsAsync("tamper-swap");
        var second = await LedgerRowAsync(keyId, 2);
        var third = await LedgerRowAsync(keyId, 3);
        await _tables.AccountFor(keyId).Ledger.UpsertEntityAsync(Copy(third, second.RowKey), TableUpdateMode.Replace);
        await _tables.AccountFor(keyId).Ledger.UpsertEntityAsync(Copy(second, third.RowKey), TableUpdateMode.Replace);

        await AssertBrokenAsync(keyId, "reordered", 2, TableKeys.Sequence(2));
    }

    [Fact]
    public async Task A_row_rewritten_with_a_recomputed_plain_sha256_is_reported_as_rehashed()
    {
        // The last row has no successor whose link would give the rewrite away: only the HMAC does.
        var keyId = await KeyWithRowsAsync("tamper-rehash");
        var original = AuditRecord.FromEntity(await LedgerRowAsync(keyId, Rows));
        var rewritten = original with { CostMicros = 0 };
        await _tables.AccountFor(keyId).Ledger.UpsertEntityAsync((rewritten with { Hash = rewritten.ComputeHash() }).ToEntity(), TableUpdateMode.Replace);
        await AssertBrokenAsync(keyId, "rehashed", Rows, TableKeys.Sequence(Rows));

        // Claiming the legacy scheme for it does not help: a plain SHA-256 row after HMAC rows is a rewrite.
        await _tables.AccountFor(keyId).Ledger.UpsertEntityAsync((rewritten with { Hash = rewritten.ComputeHash(), HashScheme = null }).ToEntity(), TableUpdateMode.Replace);
        await AssertBrokenAsync(keyId, "rehashed", Rows, TableKeys.Sequence(Rows));
    }

    [Fact]
    public async Task Verify_by_user_and_all_cover_every_chain_and_the_admin_audit()
    {
        var keyId = await KeyWithRowsAsync("tamper-scope");
        var byUser = await VerifyAsync("userId=tamper-scope");
        Assert.Equal(keyId, Assert.Single(byUser.GetProperty("results").EnumerateArray()).GetProperty("keyId").GetString());

        var everything = await VerifyAsync("all=true");
        var chains = everything.GetProperty("results").EnumerateArray().Select(c => c.GetProperty("chain").GetString()).ToList();
        Assert.Contains("key:" + keyId, chains);
        Assert.Contains("admin", chains);
        Assert.Equal(TestStorage.ChainKey.Fingerprint, everything.GetProperty("secretFingerprint").GetString());

        using var neither = await fixture.Admin.GetAsync("/admin/v1/audit/verify");
        Assert.Equal(HttpStatusCode.BadRequest, neither.StatusCode);
        using var unknown = await fixture.Admin.GetAsync("/admin/v1/audit/verify?keyId=nosuchkey123");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(2, (await CliAsync("audit", "verify")).Exit);
    }

    [Fact]
    public async Task The_admin_audit_chain_reports_each_tampering_naming_the_row()
    {
        // Enough admin actions to tamper with, each an audited change.
        for (var i = 0; i < 4; i++)
        {
            await fixture.Admin.EnsureUserAsync($"tamper-admin-{i}");
        }

        var intact = await VerifyAdminAsync();
        Assert.True(intact.GetProperty("ok").GetBoolean(), intact.ToString());
        var rows = await AdminRowsAsync();
        var second = rows.Single(r => r.GetInt64(AdminAuditChain.Seq) == 2);
        var third = rows.Single(r => r.GetInt64(AdminAuditChain.Seq) == 3);

        // Edited, then put back.
        await TamperAsync(async () =>
        {
            var edited = Copy(second, second.RowKey);
            edited["Detail"] = "nothing to see here";
            await _tables.AdminAudit.UpsertEntityAsync(edited, TableUpdateMode.Replace);
        }, "edited", 2, second.RowKey, restore: [second]);

        // Re-hashed: edited and sealed with a plain SHA-256.
        await TamperAsync(async () =>
        {
            var edited = Copy(second, second.RowKey);
            edited["Success"] = false;
            edited.Remove(AdminAuditChain.Mac);
            edited[AdminAuditChain.Mac] = AuditChainKey.Sha256(AdminAuditChain.ContentInput(edited));
            await _tables.AdminAudit.UpsertEntityAsync(edited, TableUpdateMode.Replace);
        }, "rehashed", 2, second.RowKey, restore: [second]);

        // Deleted from the middle.
        await TamperAsync(() => _tables.AdminAudit.DeleteEntityAsync(second.PartitionKey, second.RowKey), "deleted", 2, null, restore: [second]);

        // Swapped: each row's content under the other's row key; place 2 is now found under the third row's key.
        await TamperAsync(async () =>
        {
            await _tables.AdminAudit.UpsertEntityAsync(Copy(third, second.RowKey), TableUpdateMode.Replace);
            await _tables.AdminAudit.UpsertEntityAsync(Copy(second, third.RowKey), TableUpdateMode.Replace);
        }, "reordered", 2, third.RowKey, restore: [second, third]);

        // Inserted: a forged row claiming place 3, next to the genuine one.
        var forgedKey = "0" + third.RowKey[1..19] + "_" + new string('f', 32);
        await TamperAsync(async () =>
        {
            var forged = Copy(third, forgedKey);
            forged["Detail"] = "forged";
            await _tables.AdminAudit.UpsertEntityAsync(forged, TableUpdateMode.Replace);
        }, "inserted", 3, forgedKey, restore: [], remove: [forgedKey]);

        // Truncated: the newest rows deleted (the head row still says how far the chain went).
        var newest = rows.OrderByDescending(r => r.GetInt64(AdminAuditChain.Seq)).Take(2).ToList();
        var last = newest[0].GetInt64(AdminAuditChain.Seq)!.Value;
        await TamperAsync(async () =>
        {
            foreach (var row in newest)
            {
                await _tables.AdminAudit.DeleteEntityAsync(row.PartitionKey, row.RowKey);
            }
        }, "truncated", last - 1, null, restore: [.. newest]);

        Assert.True((await VerifyAdminAsync()).GetProperty("ok").GetBoolean());
    }

    private async Task TamperAsync(Func<Task> tamper, string kind, long sequence, string? rowKey, TableEntity[] restore, string[]? remove = null)
    {
        await tamper();
        var chain = await VerifyAdminAsync();
        Assert.False(chain.GetProperty("ok").GetBoolean(), $"{kind} went unnoticed");
        Assert.Equal((kind, sequence, rowKey), (chain.GetProperty("broken").GetString(), chain.GetProperty("brokenSequence").GetInt64(), chain.GetProperty("brokenRowKey").GetString()));
        var cli = await CliAsync("audit", "verify", "--admin");
        Assert.Equal(4, cli.Exit);
        Assert.Contains(kind, cli.Out, StringComparison.Ordinal);

        foreach (var row in restore)
        {
            await _tables.AdminAudit.UpsertEntityAsync(Copy(row, row.RowKey), TableUpdateMode.Replace);
        }

        foreach (var key in remove ?? [])
        {
            await _tables.AdminAudit.DeleteEntityAsync(AdminAuditLog.Partition, key);
        }

        Assert.True((await VerifyAdminAsync()).GetProperty("ok").GetBoolean(), $"restored after {kind}");
    }

    private async Task<JsonElement> AssertBrokenAsync(string keyId, string kind, long sequence, string? rowKey)
    {
        var chain = await VerifyKeyAsync(keyId);
        Assert.False(chain.GetProperty("ok").GetBoolean(), $"{kind} went unnoticed: {chain}");
        Assert.Equal((kind, sequence, rowKey), (chain.GetProperty("broken").GetString(), chain.GetProperty("brokenSequence").GetInt64(), chain.GetProperty("brokenRowKey").GetString()));

        var cli = await CliAsync("audit", "verify", "--key", keyId);
        Assert.Equal(4, cli.Exit);
        Assert.Contains(kind, cli.Out, StringComparison.Ordinal);
        Assert.Contains(rowKey ?? sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), cli.Out, StringComparison.Ordinal);

        var json = await CliAsync("audit", "verify", "--key", keyId, "--json");
        var fromCli = JsonDocument.Parse(json.Out).RootElement.GetProperty("results")[0];
        Assert.Equal((kind, sequence), (fromCli.GetProperty("broken").GetString(), fromCli.GetProperty("brokenSequence").GetInt64()));
        return chain;
    }

    /// <summary>A key with <see cref="Rows"/> settled requests, all of them in the ledger.</summary>
    private async Task<string> KeyWithRowsAsync(string userId)
    {
        var key = await fixture.Admin.CreateKeyAsync(userId, 5m);
        for (var i = 0; i < Rows; i++)
        {
            using var response = await GatewayChat.SendAsync(fixture.Gateway.BaseUrl, key.Key, maxTokens: 8, "chain me");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The head the grain holds reaches the last row once it is committed.
        await Poll.UntilAsync(async () => (await VerifyKeyAsync(key.KeyId)).GetProperty("anchoredSequence").GetInt64() == Rows, TimeSpan.FromSeconds(10), "all rows committed");

        // The rows the tests edit are the stored ledger rows: wait until the copy from the journal has put them there.
        await fixture.Ledger.CopiedAsync(key.KeyId, Rows);
        return key.KeyId;
    }

    private async Task<TableEntity> LedgerRowAsync(string keyId, long sequence) =>
        (await _tables.AccountFor(keyId).Ledger.GetEntityAsync<TableEntity>(keyId, TableKeys.Sequence(sequence))).Value;

    private async Task<List<TableEntity>> AdminRowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var e in _tables.AdminAudit.QueryAsync<TableEntity>($"PartitionKey eq '{AdminAuditLog.Partition}' and RowKey lt '~'"))
        {
            rows.Add(e);
        }

        return rows;
    }

    /// <summary>The entity's properties under another row key, as a forger copying rows around would write them.</summary>
    private static TableEntity Copy(TableEntity source, string rowKey)
    {
        var copy = new TableEntity(source.PartitionKey, rowKey);
        foreach (var (name, value) in source.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")))
        {
            copy[name] = value;
        }

        return copy;
    }

    private async Task<JsonElement> VerifyKeyAsync(string keyId) =>
        Assert.Single((await VerifyAsync("keyId=" + keyId)).GetProperty("results").EnumerateArray());

    private async Task<JsonElement> VerifyAdminAsync() =>
        Assert.Single((await VerifyAsync("admin=true")).GetProperty("results").EnumerateArray());

    private async Task<JsonElement> VerifyAsync(string query)
    {
        using var response = await fixture.Admin.GetAsync("/admin/v1/audit/verify?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"verify: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new Dictionary<string, string?> { ["GATEWAY_URL"] = fixture.Gateway.BaseUrl, ["GATEWAY_ADMIN_KEY"] = GatewayServer.AdminKey };
        var exit = await GatewayCtl.RunAsync(args, stdout, stderr, environment);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
