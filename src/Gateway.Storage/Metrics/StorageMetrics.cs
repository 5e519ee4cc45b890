using System.Diagnostics.Metrics;
using Azure.Core;
using Azure.Data.Tables;
using Gateway.Storage.Transactions;

namespace Gateway.Storage.Metrics;

/// <summary>
/// What the gateway asks of Table Storage, on the meter <c>Gateway.Storage</c>: every HTTP request,
/// each retry included, is a <b>transaction</b> (what Azure bills, and throttles at about 20,000/s
/// per account), and every entity it writes is an <b>entity write</b> (a <c>$batch</c> carries up to
/// 100 of them; the per-partition target is about 2,000 entities/s). Every Table client the gateway
/// creates, Orleans' clustering and grain-state clients included, counts through
/// <see cref="WithTransactionCounting"/>.
/// </summary>
public static class StorageMetrics
{
    public const string MeterName = "Gateway.Storage";
    public const string TransactionsInstrument = "gateway.storage.transactions";
    public const string EntityWritesInstrument = "gateway.storage.entity_writes";

    /// <summary>The tag on <see cref="TransactionsInstrument"/>: <c>read</c>, <c>write</c>, <c>batch</c> or <c>table</c> (create or delete a table).</summary>
    public const string OperationTag = "operation";

    /// <summary>The tag on both instruments naming the table (with its configured prefix), or <c>Tables</c> for creating or deleting one.</summary>
    public const string TableTag = "table";

    /// <summary>
    /// The tag on both instruments naming the account (<see cref="AccountOf"/>): storage throttles per
    /// account, so with several (<see cref="StorageOptions.LedgerAccounts"/>) each one's share is what to watch.
    /// </summary>
    public const string AccountTag = "account";

    // Static rather than from IMeterFactory: Orleans' storage clients are built while the host is still
    // being configured, before there is a service provider to ask.
    private static readonly Meter Meter = new(MeterName);

    internal static Counter<long> Transactions { get; } = Meter.CreateCounter<long>(TransactionsInstrument, "{transaction}",
        "HTTP requests sent to Table Storage, each retry counted: what storage bills and throttles per account.");

    internal static Counter<long> EntityWrites { get; } = Meter.CreateCounter<long>(EntityWritesInstrument, "{entity}",
        "Entities inserted, updated or deleted: one per plain write, one per operation inside a $batch.");

    internal static Histogram<double> Duration { get; } = Meter.CreateHistogram("gateway.storage.duration", "s",
        "Each HTTP request to Table Storage (each retry apart), from sending to the response's headers.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    internal static Counter<long> Failures { get; } = Meter.CreateCounter<long>("gateway.storage.failures", "{transaction}",
        "HTTP requests to Table Storage that failed: no response (error.type the exception), or a status of 408, 429 or 5xx (error.type the status). A 404 or 409 the gateway expects is not a failure.");

    /// <summary>Rows per transaction of a group-commit writer (the journal's intents, settled rows and retirements).</summary>
    internal static Histogram<long> BatchRows { get; } = Meter.CreateHistogram("gateway.journal.batch_size", "{row}",
        "Rows per committed transaction of a group-commit writer, by writer (intents, settled, retirements): the batching achieved.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 100] });

    /// <summary>
    /// From a row's submission to a group-commit writer until its transaction committed, by writer: for
    /// <c>intents</c>, what each request waits on storage before it goes upstream.
    /// </summary>
    public const string CommitWaitInstrument = "gateway.journal.commit_wait";

    internal static Histogram<double> CommitWait { get; } = Meter.CreateHistogram(CommitWaitInstrument, "s",
        "From a row's submission to a group-commit writer until its transaction committed, by writer (intents, settled, retirements): for intents, what each request waits on storage before it goes upstream.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    /// <summary>Writes no request waits on, queued for a place among their account's <see cref="BackgroundWrites"/>.</summary>
    internal static UpDownCounter<long> BackgroundWaiting { get; } = Meter.CreateUpDownCounter<long>("gateway.storage.background_writes.waiting", "{write}",
        "Writes no request waits on (ledger copies, usage rollups, journal retirements) waiting for one of their account's places (Gateway:Storage:BackgroundWritesInFlight): a number that keeps growing says storage cannot keep up.");

    /// <summary>The tag on <c>gateway.journal.batch_size</c> and <c>gateway.journal.commit_wait</c> naming the writer.</summary>
    public const string WriterTag = "writer";

    /// <summary>The tag on <c>gateway.storage.failures</c>: the status, or the exception's type when there was no response.</summary>
    public const string ErrorTypeTag = "error.type";

    /// <summary>The <c>$batch</c> being sent on this async flow (its table and rows), which its request line does not name.</summary>
    internal static AsyncLocal<BatchInfo?> Batch { get; } = new();

    /// <summary>
    /// <see cref="TableClient.SubmitTransactionAsync"/>, telling the counting policy how many entities
    /// the batch writes. Without it the policy writes the batch's body out once more to count its
    /// request lines: profiled under load, that copy was 2% of the gateway's CPU while anyone listened.
    /// </summary>
    public static async Task<Azure.Response<IReadOnlyList<Azure.Response>>> SubmitCountedAsync(
        this TableClient table, IReadOnlyCollection<TableTransactionAction> actions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(actions);
        // Set inside this async method, so it flows into the pipeline and is gone again when it returns.
        Batch.Value = new BatchInfo(table.Name, actions.Count);
        return await table.SubmitTransactionAsync(actions.Any(a => a.Entity is IJsonEntity) ? [.. actions.Select(IJsonEntity.ForSdk)] : actions, cancellationToken);
    }

    /// <summary>
    /// Adds the counting policy, per try, so a retried request counts as the transactions it cost,
    /// tagged with the account the client talks to (<see cref="AccountOf"/> of its connection string).
    /// </summary>
    public static TableClientOptions WithTransactionCounting(this TableClientOptions options, string account)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(new StorageTransactionPolicy(account), HttpPipelinePosition.PerRetry);
        return options;
    }

    internal sealed record BatchInfo(string Table, int Rows);

    /// <summary>
    /// An account's name for the <see cref="AccountTag"/>: its table endpoint without the scheme
    /// (<c>acct.table.core.windows.net</c>, or <c>127.0.0.1:10002/devstoreaccount1</c> for Azurite), never its key.
    /// </summary>
    public static string AccountOf(string connectionString)
    {
        var uri = new TableServiceClient(connectionString).Uri;
        return uri.Authority + uri.AbsolutePath.TrimEnd('/');
    }
}
