using Azure.Data.Tables;
using Gateway.Storage.Metrics;
using Gateway.Storage.Transactions;
using Microsoft.Extensions.Options;

namespace Gateway.Storage;

/// <summary>
/// The gateway's own tables (Orleans' membership and grain-state tables are configured separately):
/// the main account's, and those of each account per-key rows are spread over (<see cref="Accounts"/>).
/// </summary>
public sealed class GatewayTables
{
    public GatewayTables(IOptions<StorageOptions> options)
        : this(options, credential: null)
    {
    }

    /// <param name="options">The storage settings.</param>
    /// <param name="credential">For accounts given by endpoint: the credential to sign in with; null for the process's <see cref="Azure.Identity.DefaultAzureCredential"/>.</param>
    public GatewayTables(IOptions<StorageOptions> options, Azure.Core.TokenCredential? credential)
    {
        ArgumentNullException.ThrowIfNull(options);
        var o = options.Value;
        var mainAccount = o.MainAccount;
        var main = mainAccount.CreateClient(ClientOptions(o, mainAccount, guarded: true), credential);
        MainLedger = main.GetTableClient(o.LedgerTable);
        var mainScans = mainAccount.CreateClient(ClientOptions(o, mainAccount, guarded: false), credential);
        MainLedgerScan = mainScans.GetTableClient(o.LedgerTable);
        MainJournalScan = mainScans.GetTableClient(o.JournalTable);
        MainAccountName = main.AccountName;
        AdminKeys = main.GetTableClient(o.AdminKeysTable);
        AdminAudit = main.GetTableClient(o.AdminAuditTable);
        Prices = main.GetTableClient(o.PricesTable);
        LedgerRows = o.LedgerRows;
        Accounts = [.. o.KeyAccounts.Select(TableAccount.Parse).Select((account, i) =>
        {
            var guarded = account.CreateClient(ClientOptions(o, account, guarded: true), credential);
            return new LedgerAccount(
                i,
                guarded.AccountName,
                guarded,
                // The scan clients carry no guard: what goes through them is meant to read a whole table.
                account.CreateClient(ClientOptions(o, account, guarded: false), credential),
                o.HandWrittenTransactions ? account.CreateTransactions(ClientOptions(o, account, guarded: false), credential) : TableTransactions.ThroughSdk,
                o);
        })];
    }

    /// <summary>How settled rows are written (<see cref="StorageOptions.LedgerRows"/>), in the journal and the ledger alike.</summary>
    public Audit.LedgerRowForm LedgerRows { get; }

    /// <summary>The accounts per-key rows are spread over, in configured order: the main account alone unless <see cref="StorageOptions.LedgerAccounts"/> names others.</summary>
    public IReadOnlyList<LedgerAccount> Accounts { get; }

    /// <summary>
    /// The main account's ledger table: refusals no key owns (the <c>~unattributed_</c> partitions)
    /// and the recorded account layout (<see cref="AccountLayout"/>). Keys' rows are in <see cref="AccountFor"/>'s.
    /// </summary>
    public TableClient MainLedger { get; }

    /// <summary>The main account's ledger and journal without the guard: only for the start-up check that looks for keys' rows written before several accounts were configured.</summary>
    internal TableClient MainLedgerScan { get; }

    /// <inheritdoc cref="MainLedgerScan"/>
    internal TableClient MainJournalScan { get; }

    /// <summary>The main account's name (<see cref="StorageOptions.MainAccount"/>'s).</summary>
    public string MainAccountName { get; }

    public TableClient AdminKeys { get; }
    public TableClient AdminAudit { get; }

    /// <summary>Model prices (<see cref="Pricing.PriceStore"/>), in the main account.</summary>
    public TableClient Prices { get; }

    /// <summary>The account a key's journal rows, ledger partition, rollups and content live in: one, always the same for a key.</summary>
    public LedgerAccount AccountFor(string keyId) =>
        Accounts.Count == 1 ? Accounts[0] : Accounts[KeyHash.Account(keyId, Accounts.Count)];

    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        await MainLedger.CreateIfNotExistsAsync(cancellationToken);
        await AdminKeys.CreateIfNotExistsAsync(cancellationToken);
        await AdminAudit.CreateIfNotExistsAsync(cancellationToken);
        await Prices.CreateIfNotExistsAsync(cancellationToken);
        foreach (var account in Accounts)
        {
            await account.EnsureCreatedAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Readiness of every account the gateway writes to: the main account (admin keys, prices, the
    /// admin audit) and each one per-key rows are spread over (its journal), probed side by side, each
    /// for at most <paramref name="timeout"/>. A front-end that cannot reach one of them would refuse
    /// the requests of every key placed there (their intents cannot be recorded), so it is not ready.
    /// </summary>
    public async Task<StorageReachability> ProbeAccountsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var probes = await TimeAccountsAsync(timeout, cancellationToken);
        return new StorageReachability(probes[0].Reachable, [.. probes.Skip(1).Select(p => p.Reachable)]);
    }

    /// <summary>
    /// One timed round trip to every account, side by side, each for at most <paramref name="timeout"/>:
    /// the main account first (<see cref="AccountProbe.Main"/>), then each account per-key rows are spread over, by index. What an operator
    /// needs to see when one of several accounts stops answering: the keys placed there are refused while
    /// every other key is served, and a probe of the main account alone would say all is well.
    /// </summary>
    public async Task<IReadOnlyList<AccountProbe>> TimeAccountsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        var probes = new List<Task<AccountProbe>> { TimedAsync(AccountProbe.Main, MainAccountName, AdminKeys, bounded.Token) };
        probes.AddRange(Accounts.Select(a => TimedAsync(AccountProbe.Keys(a.Index), a.Name, a.Journal, bounded.Token)));
        return await Task.WhenAll(probes);
    }

    private static async Task<AccountProbe> TimedAsync(string holds, string account, TableClient table, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var reachable = await AnswersAsync(table, cancellationToken);
        return new AccountProbe(holds, account, reachable, Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2));
    }

    private static async Task<bool> AnswersAsync(TableClient table, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var _ in table.QueryAsync<TableEntity>(filter: "PartitionKey eq 'probe'", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken))
            {
                break;
            }

            return true;
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or HttpRequestException or OperationCanceledException or AggregateException)
        {
            // An AggregateException is the retries given up, each a failure of the above: unreachable too.
            return false;
        }
    }

    private static TableClientOptions ClientOptions(StorageOptions o, TableAccount account, bool guarded)
    {
        // A storage call that hangs must fail and be retried, never stall a key's ledger: bound each try.
        var clientOptions = new TableClientOptions().WithTransactionCounting(account.MetricsName);
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        if (guarded)
        {
            clientOptions.AddPolicy(new UnscopedQueryGuard(o.UnscopedQueries), Azure.Core.HttpPipelinePosition.PerCall);
        }

        return clientOptions;
    }
}

/// <summary>Which storage accounts answered a readiness probe: the main one, and each of <see cref="GatewayTables.Accounts"/> by its index.</summary>
public sealed record StorageReachability(bool Main, IReadOnlyList<bool> Accounts)
{
    public bool All => Main && Accounts.All(a => a);
}

/// <summary>
/// One account's answer to a timed probe: what it holds (<see cref="Main"/>: admin keys, prices, the
/// admin audit, membership; <c>keys-N</c>: the journal, ledger, rollups and content of the keys placed
/// on the N-th of <see cref="StorageOptions.LedgerAccounts"/>), its account name, and the round trip.
/// </summary>
public sealed record AccountProbe(string Holds, string Account, bool Reachable, double Milliseconds)
{
    public const string Main = "main";

    public static string Keys(int index) => "keys-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
