using System.ComponentModel.DataAnnotations;

namespace Gateway.Storage;

/// <summary>Where the gateway keeps its tables. Azurite off Azure, a Storage account on it.</summary>
public sealed class StorageOptions
{
    public const string Section = "Gateway:Storage";

    /// <summary>The well-known Azurite development account on the default table port.</summary>
    public const string AzuriteDefault =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

    /// <summary>
    /// The main account's connection string: Azurite by default, for running locally. Ignored when
    /// <see cref="TableEndpoint"/> is set; one of the two must be.
    /// </summary>
    public string? ConnectionString { get; set; } = AzuriteDefault;

    /// <summary>
    /// The main account's table endpoint (<c>https://acct.table.core.windows.net</c>), reached with a
    /// token credential (<see cref="TableAccount"/>): the managed identity on Azure, where the account
    /// refuses shared keys. When set it wins over <see cref="ConnectionString"/>, for the gateway's tables
    /// and for Orleans' membership and grain state alike.
    /// </summary>
    public string? TableEndpoint { get; set; }

    /// <summary>The main account's setting as given: <see cref="TableEndpoint"/> when set, else <see cref="ConnectionString"/>.</summary>
    public string? MainAccountSetting => string.IsNullOrWhiteSpace(TableEndpoint) ? ConnectionString : TableEndpoint;

    /// <summary>The main account (<see cref="MainAccountSetting"/>, parsed); throws <see cref="FormatException"/> when it does not parse.</summary>
    public TableAccount MainAccount => TableAccount.Parse(MainAccountSetting);

    /// <summary>Prefix for every table the gateway creates, so several deployments or test runs can share an account.</summary>
    [Required, RegularExpression("^[A-Za-z][A-Za-z0-9]{0,20}$", ErrorMessage = "TablePrefix must start with a letter and hold at most 21 letters or digits.")]
    public string TablePrefix { get; set; } = "gw";

    /// <summary>
    /// Partitions of the intent journal. A key's intents always go to the one its id hashes to, so a
    /// key's, a user's or a team's open intents are found by reading a known, bounded set of
    /// partitions, never the table. More shards spread the write load (Table Storage serves about
    /// 2,000 entities/s per partition); fewer keep more rows in each group commit. A change moves keys
    /// to other partitions, so it goes in steps with <see cref="JournalShardsAlsoRead"/> (docs/storage-queries.md);
    /// a start that would leave rows where no process looks is refused (<see cref="Journal.JournalLayout"/>).
    /// </summary>
    [Range(1, 256)]
    public int JournalShards { get; set; } = 2;

    /// <summary>
    /// While the shard count changes: the other count (0: none). Every process then reads a key's rows
    /// in its partition under both counts, and the reads across shards cover the partitions of both,
    /// while rows are written under <see cref="JournalShards"/>. Set to the new count before writing
    /// under it, then to the old one while its rows drain, then remove it.
    /// </summary>
    [Range(0, 256)]
    public int JournalShardsAlsoRead { get; set; }

    /// <summary>
    /// Journal transactions in flight at once per account, for intents (which a request waits on
    /// before it goes upstream) and for settled rows, each on their own. Rows that arrive meanwhile
    /// wait and go out together in the next, so fewer in flight means more rows per transaction and
    /// fewer transactions, at the price of a wait when storage is slow.
    /// </summary>
    [Range(1, 16)]
    public int JournalCommitsInFlight { get; set; } = 1;

    /// <summary>
    /// Writes per account that no request waits on (copies into the ledger, usage rollups, journal
    /// retirements) in flight at once; the rest wait their turn in memory. Storage serves what reaches
    /// it in turn, so every one in flight is one an intent, which its request does wait on, may queue
    /// behind. More lets a backlog drain faster on a store that serves many requests at once.
    /// </summary>
    [Range(1, 64)]
    public int BackgroundWritesInFlight { get; set; } = 2;

    /// <summary>
    /// A query on the gateway's own paths that names no partition: counted (<c>Warn</c>, the default),
    /// refused (<c>Fail</c>, as the test suite runs) or let be (<c>Allow</c>).
    /// </summary>
    public UnscopedQueries UnscopedQueries { get; set; } = UnscopedQueries.Warn;

    /// <summary>
    /// Whether the journal's and the ledger copy's transactions are written and read by the gateway
    /// (<see cref="Transactions.TableTransactions"/>, the default: a quarter less CPU per request) or
    /// sent through the SDK's <c>SubmitTransactionAsync</c>. The same requests either way; this is the
    /// way back should a storage service ever read the gateway's body differently from the SDK's.
    /// </summary>
    public bool HandWrittenTransactions { get; set; } = true;

    /// <summary>
    /// How settled rows are written in the journal and the ledger: <c>Compact</c> (the default: the
    /// columns queries filter on and one JSON property for the rest) or <c>Columns</c> (one column
    /// per field, as before). Both are always read. <c>Columns</c> is for a rolling upgrade from a
    /// version that wrote only them, until none of its silos or front-ends runs (docs/audit.md).
    /// </summary>
    public Audit.LedgerRowForm LedgerRows { get; set; } = Audit.LedgerRowForm.Compact;

    /// <summary>
    /// How a journal row's row key is written: <c>KeyAndRequest</c> (the default: <c>~{key id}!{request id}</c>,
    /// so a key's rows are a row-key range of its shard) or <c>Request</c> (the request id alone, as
    /// before). Both are always read. <c>Request</c> is for a rolling upgrade from a version that wrote
    /// only that form, until none of its silos runs (docs/storage-queries.md).
    /// </summary>
    public Journal.JournalRowKeyForm JournalRowKeys { get; set; } = Journal.JournalRowKeyForm.KeyAndRequest;

    /// <summary>
    /// How long settled rows gather before their journal transaction goes out. Nobody's response waits
    /// on them (settlement is off the client's path), so a short wait puts more rows in each
    /// transaction and keeps them from landing on storage at the very moment the next request's
    /// intent, which its caller does wait on, is being written. Zero sends each at once.
    /// </summary>
    public TimeSpan JournalSettledLinger { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long a settled row waits in the journal before it is copied into its key's ledger partition,
    /// so that one transaction carries many of a key's rows. Readers see the row at once either way.
    /// </summary>
    public TimeSpan LedgerCopyLinger { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Storage accounts (in order; each a connection string or a table endpoint, as <see cref="TableAccount"/> reads it) over which the per-key tables are spread: a
    /// key's journal rows, ledger partition, usage rollups and captured content live in the account
    /// its id hashes to (<see cref="KeyHash.Account"/>). For fleets past one account's limits (about
    /// 20,000 entities/s). Empty, the default: everything in the main account (<see cref="MainAccountSetting"/>).
    /// The main account may be one of them. Membership, grain state, admin keys and the admin audit
    /// stay in the main account. The list is fixed for a deployment: keys are placed by their index in
    /// it, so start-up refuses a list that differs from the one recorded (docs/storage-accounts.md).
    /// </summary>
    public List<string> LedgerAccounts { get; set; } = [];

    /// <summary>The settings of the accounts per-key rows are spread over: <see cref="LedgerAccounts"/>, or the main account alone.</summary>
    public IReadOnlyList<string> KeyAccounts => LedgerAccounts.Count > 0 ? LedgerAccounts : [MainAccountSetting ?? ""];

    public string LedgerTable => TablePrefix + "ledger";
    public string JournalTable => TablePrefix + "journal";
    public string AdminKeysTable => TablePrefix + "adminkeys";
    public string AdminAuditTable => TablePrefix + "adminaudit";
    public string ContentTable => TablePrefix + "content";
    public string UsageTable => TablePrefix + "usage";
    public string PricesTable => TablePrefix + "prices";
    public string GrainStateTable => TablePrefix + "grainstate";
    public string MembershipTable => TablePrefix + "membership";
}
