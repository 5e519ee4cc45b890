using Azure;
using Azure.Data.Tables;

namespace Gateway.Storage;

/// <summary>
/// Keys are placed on accounts by their index in <see cref="StorageOptions.LedgerAccounts"/>, so a
/// changed list would look for a key's ledger, journal and rollups in an account that does not hold
/// them: spend would restart from zero and audits would miss rows. So the first start records the
/// list (account names, in order; never a key) in the main account, and every later start compares
/// against it and refuses to start on a difference. A deployment from before several accounts existed
/// has no record; if its main account already holds keys' rows, it is taken to have used the main
/// account alone, and any other list is refused.
/// </summary>
public sealed class AccountLayout(GatewayTables tables)
{
    /// <summary>Where the record lives: a partition of the main ledger that no key id can name and no scan of keys reads (they stop at '~').</summary>
    public const string Partition = "~layout";
    public const string Row = "accounts";

    public async Task EnsureUnchangedAsync(CancellationToken cancellationToken)
    {
        var configured = tables.Accounts.Select(a => a.Name).ToList();
        var stored = await tables.MainLedger.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken);
        IReadOnlyList<string>? recorded = stored.HasValue && stored.Value is { } row ? Parse(row) : null;
        if (recorded is null && !configured.SequenceEqual([tables.MainAccountName], StringComparer.Ordinal) && await MainHoldsKeysAsync(cancellationToken))
        {
            recorded = [tables.MainAccountName];
        }

        if (recorded is null)
        {
            try
            {
                await tables.MainLedger.AddEntityAsync(new TableEntity(Partition, Row) { ["Accounts"] = string.Join('\n', configured), ["Count"] = configured.Count }, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Another process of the fleet recorded it first: compare with what it recorded.
                recorded = Parse((await tables.MainLedger.GetEntityAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken)).Value);
            }
        }

        if (!recorded.SequenceEqual(configured, StringComparer.Ordinal))
        {
            throw new StorageLayoutException(
                $"{StorageOptions.Section}:LedgerAccounts lists the accounts [{string.Join(", ", configured)}], but this deployment's keys were placed on [{string.Join(", ", recorded)}]. " +
                "Keys are placed by their index in that list, so a changed list would read their ledger, journal and usage in the wrong account. " +
                "Configure the list as it was, or migrate the rows first (docs/storage-accounts.md).");
        }
    }

    private static List<string> Parse(TableEntity row) => [.. (row.GetString("Accounts") ?? "").Split('\n')];

    /// <summary>Whether the main account's ledger or journal holds any key's row: the first page of each.</summary>
    private async Task<bool> MainHoldsKeysAsync(CancellationToken cancellationToken) =>
        await AnyAsync(tables.MainLedgerScan, "PartitionKey lt '~'", cancellationToken) || await AnyAsync(tables.MainJournalScan, null, cancellationToken);

    private static async Task<bool> AnyAsync(TableClient table, string? filter, CancellationToken cancellationToken)
    {
        try
        {
            // A page may come back empty with a continuation when the service stops early; a few
            // pages settle it without walking a table that holds no key rows at all.
            var pages = 0;
            await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
            {
                if (page.Values.Count > 0)
                {
                    return true;
                }

                if (++pages == 5)
                {
                    break;
                }
            }

            return false;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No such table in the main account: it never held keys' rows.
            return false;
        }
    }
}
