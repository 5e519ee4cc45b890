using Gateway.Storage;
using Gateway.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Infrastructure;

/// <summary>Reads the audit ledger straight from Table Storage, as an auditor would.</summary>
public sealed class LedgerQueries(string prefix)
{
    private readonly AuditLedger _ledger = new(new GatewayTables(Options.Create(TestStorage.Options(prefix))));

    public AuditLedger Ledger => _ledger;

    public async Task<List<AuditRecord>> RowsAsync(string keyId)
    {
        var rows = new List<AuditRecord>();
        await foreach (var row in _ledger.ReadAllAsync(keyId))
        {
            rows.Add(row);
        }

        return rows;
    }
}
