namespace Gateway.Benchmarks;

/// <summary>
/// Requests to Table Storage (transactions, of which reads and batches) and the entities written,
/// as counted by the gateway's own storage clients (<c>Gateway.Storage.Metrics</c>).
/// </summary>
internal sealed record StorageCount(long Transactions, long Reads, long Batches, long EntityWrites)
{
    public static StorageCount operator -(StorageCount after, StorageCount before) =>
        new(after.Transactions - before.Transactions, after.Reads - before.Reads, after.Batches - before.Batches, after.EntityWrites - before.EntityWrites);
}
