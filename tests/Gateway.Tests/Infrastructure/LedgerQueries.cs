using Gateway.Storage;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Infrastructure;

/// <summary>Reads the audit ledger straight from Table Storage, as an auditor would.</summary>
public sealed class LedgerQueries(string prefix)
{
    private readonly GatewayTables _tables = new(Options.Create(TestStorage.Options(prefix)));
    private AuditLedger? _ledger;

    public AuditLedger Ledger => _ledger ??= new AuditLedger(_tables, TestStorage.ChainKey);

    /// <summary>Today's refusals that no key owns, as (presented key id, reason).</summary>
    public async Task<List<(string? KeyId, string Reason)>> UnattributedAsync()
    {
        var rows = new List<(string?, string)>();
        var partition = UnattributedAudit.PartitionFor(DateTimeOffset.UtcNow);
        await foreach (var e in _tables.Ledger.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{partition}'"))
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
        await foreach (var e in _tables.Ledger.QueryAsync<Azure.Data.Tables.TableEntity>($"PartitionKey eq '{partition}'"))
        {
            rows.Add((e.GetString("PresentedKeyId"), e.GetString("Reason") ?? "", e.GetInt64("Count") ?? 1, e.GetInt32("HttpStatus") ?? 0, e.GetString("ClientAddress")));
        }

        return rows;
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
