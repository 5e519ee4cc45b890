namespace Gateway.Storage;

/// <summary>
/// A start refused because the configured storage layout (the account list, the journal's shard
/// counts) would not find rows the deployment already holds. Its message says what differs and what
/// to set; the host prints it and exits rather than serve.
/// </summary>
public sealed class StorageLayoutException(string message) : InvalidOperationException(message);
