namespace Gateway.Storage.Journal;

/// <summary>How a journal row's row key is written (<see cref="StorageOptions.JournalRowKeys"/>); rows of both forms are always read.</summary>
public enum JournalRowKeyForm
{
    /// <summary>
    /// <c>~{key id}!{request id}</c>: a key's rows are one row-key range of its shard, so reading them
    /// (a key's activation, its audit pages) reads that range, not every row of the shard.
    /// </summary>
    KeyAndRequest,

    /// <summary>
    /// The request id alone, as every row was written before the key-prefixed form: for a rolling
    /// upgrade from such a version, until none of its silos runs (docs/storage-queries.md).
    /// </summary>
    Request,
}
