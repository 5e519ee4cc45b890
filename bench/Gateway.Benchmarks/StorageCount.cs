namespace Gateway.Benchmarks;

/// <summary>
/// Requests to Table Storage (transactions, of which reads and batches) and the entities written,
/// as counted by the gateway's own storage clients (<c>Gateway.Storage.Metrics</c>).
/// </summary>
internal sealed record StorageCount(long Transactions, long Reads, long Batches, long EntityWrites)
{
    /// <summary>Transactions per table, named without the run's table prefix.</summary>
    public IReadOnlyDictionary<string, long> TransactionsByTable { get; init; } = new Dictionary<string, long>();

    /// <summary>Entity writes per table, named without the run's table prefix.</summary>
    public IReadOnlyDictionary<string, long> EntityWritesByTable { get; init; } = new Dictionary<string, long>();

    /// <summary>Transactions committed per group-commit writer of the journal (intents, settled, retirements).</summary>
    public IReadOnlyDictionary<string, long> CommitsByWriter { get; init; } = new Dictionary<string, long>();

    /// <summary>Rows in those transactions, per writer.</summary>
    public IReadOnlyDictionary<string, long> RowsByWriter { get; init; } = new Dictionary<string, long>();

    public static StorageCount operator -(StorageCount after, StorageCount before) =>
        new(after.Transactions - before.Transactions, after.Reads - before.Reads, after.Batches - before.Batches, after.EntityWrites - before.EntityWrites)
        {
            TransactionsByTable = Minus(after.TransactionsByTable, before.TransactionsByTable),
            EntityWritesByTable = Minus(after.EntityWritesByTable, before.EntityWritesByTable),
            CommitsByWriter = Minus(after.CommitsByWriter, before.CommitsByWriter),
            RowsByWriter = Minus(after.RowsByWriter, before.RowsByWriter),
        };

    private static Dictionary<string, long> Minus(IReadOnlyDictionary<string, long> after, IReadOnlyDictionary<string, long> before) =>
        after.ToDictionary(a => a.Key, a => a.Value - before.GetValueOrDefault(a.Key), StringComparer.Ordinal);
}
