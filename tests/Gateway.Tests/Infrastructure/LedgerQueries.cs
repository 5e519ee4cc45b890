using Gateway.Storage;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Infrastructure;

/// <summary>Reads the audit ledger straight from Table Storage, as an auditor would.</summary>
public sealed class LedgerQueries(StorageOptions options)
{
    private readonly GatewayTables _tables = new(Options.Create(options));

    /// <summary>The journal's shards as the options given configure them (a fixture may change their count).</summary>
    private readonly Gateway.Storage.Journal.JournalShards _shards = new(Options.Create(options));

    public LedgerQueries(string prefix)
        : this(TestStorage.Options(prefix))
    {
    }
    private AuditLedger? _ledger;

    public AuditLedger Ledger => _ledger ??= new AuditLedger(_tables, TestStorage.ChainKey, _shards);

    /// <summary>Today's refusals that no key owns, as (presented key id, reason).</summary>
    public async Task<List<(string? KeyId, string Reason)>> UnattributedAsync()
    {
        var rows = new List<(string?, string)>();
        var partition = UnattributedAudit.PartitionFor(DateTimeOffset.UtcNow);
        await foreach (var e in _tables.MainLedger.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{partition}'"))
        {
            rows.Add((e.GetString("PresentedKeyId"), e.GetString("Reason") ?? ""));
        }

        return rows;
    }

    /// <summary>Today's refusals that no key owns, with how many requests each row stands for.</summary>
    public async Task<List<(string? KeyId, string Reason, long Count, int Status, string? ClientAddress)>> UnattributedCountsAsync()
    {
        var rows = new List<(string?, string, long, int, string?)>();
        var partition = UnattributedAudit.PartitionFor(DateTimeOffset.UtcNow);
        await foreach (var e in _tables.MainLedger.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{partition}'"))
        {
            rows.Add((e.GetString("PresentedKeyId"), e.GetString("Reason") ?? "", e.GetInt64("Count") ?? 1, e.GetInt32("HttpStatus") ?? 0, e.GetString("ClientAddress")));
        }

        return rows;
    }

    /// <summary>
    /// Waits until the key's ledger partition itself holds <paramref name="count"/> rows (the copy
    /// from the journal runs behind) and none is left in the journal: what a test that edits stored
    /// rows must wait for.
    /// </summary>
    public async Task CopiedAsync(string keyId, int count)
    {
        var journal = _shards.PartitionFor(keyId);
        await Poll.UntilAsync(async () =>
        {
            var copied = 0;
            await foreach (var _ in _tables.AccountFor(keyId).Ledger.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{keyId}'", select: ["RowKey"]))
            {
                copied++;
            }

            var waiting = 0;
            await foreach (var e in _tables.AccountFor(keyId).Journal.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{journal}' and KeyId eq '{keyId}'", select: ["Sequence"]))
            {
                waiting += e.GetInt64("Sequence") is null ? 0 : 1;
            }

            return copied >= count && waiting == 0;
        }, TimeSpan.FromSeconds(20), $"{count} rows of key {keyId} copied into its ledger partition and retired from the journal");
    }

    /// <summary>The key's rows in the journal (intents and settled rows not yet retired), of every partition.</summary>
    public async Task<int> JournalRowCountAsync(string keyId)
    {
        var count = 0;
        await foreach (var _ in _tables.AccountFor(keyId).Journal.QueryAsync<Azure.Data.Tables.TableEntity>($"KeyId eq '{keyId}'", select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }

    /// <summary>The rows in the key's ledger partition itself, without those still in the journal.</summary>
    public async Task<List<AuditRecord>> CopiedRowsAsync(string keyId)
    {
        var rows = new List<AuditRecord>();
        await foreach (var row in Ledger.ReadCopiedAfterAsync(keyId, -1))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>A key's open intents, as its journal shard holds them.</summary>
    public async Task<List<Gateway.Storage.Journal.IntentEntry>> IntentsAsync(string keyId)
    {
        var intents = new List<Gateway.Storage.Journal.IntentEntry>();
        await foreach (var e in _tables.AccountFor(keyId).Journal.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{_shards.PartitionFor(keyId)}' and KeyId eq '{keyId}'"))
        {
            if (!AuditRecord.IsSettledJournalRow(e))
            {
                intents.Add(Gateway.Storage.Journal.IntentEntry.FromEntity(e));
            }
        }

        return intents;
    }

    /// <summary>
    /// Writes a bare row naming a request straight into the key's ledger partition at a sequence: a
    /// marker a test plants where no lookup should read, and removes again.
    /// </summary>
    public async Task<IAsyncDisposable> PlantAsync(string keyId, long sequence, string requestId)
    {
        var table = _tables.AccountFor(keyId).Ledger;
        var row = new Azure.Data.Tables.TableEntity(keyId, Gateway.Storage.TableKeys.Sequence(sequence)) { ["RequestId"] = requestId, ["KeyId"] = keyId };
        await table.AddEntityAsync(row);
        return new Planted(() => table.DeleteEntityAsync(keyId, row.RowKey));
    }

    private sealed class Planted(Func<Task> remove) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await remove();
    }

    public async Task<List<AuditRecord>> RowsAsync(string keyId)
    {
        var rows = new List<AuditRecord>();
        await foreach (var row in Ledger.ReadAllAsync(keyId))
        {
            rows.Add(row);
        }

        return rows;
    }
}
