using Azure.Core;
using Azure.Core.Pipeline;

namespace Gateway.Storage.Metrics;

/// <summary>
/// Counts each request to Table Storage as a transaction and the entities it writes, from the request
/// alone: the method and the path tell a read from a write from a table operation, and a
/// <c>$batch</c> body holds one request line per operation. It counts before sending, as a request
/// that fails has been paid for all the same.
/// </summary>
internal sealed class StorageTransactionPolicy(string account) : HttpPipelinePolicy
{
    private static readonly KeyValuePair<string, object?> Read = new(StorageMetrics.OperationTag, "read");
    private static readonly KeyValuePair<string, object?> Write = new(StorageMetrics.OperationTag, "write");
    private static readonly KeyValuePair<string, object?> Batch = new(StorageMetrics.OperationTag, "batch");
    private static readonly KeyValuePair<string, object?> Table = new(StorageMetrics.OperationTag, "table");

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        return ProcessNextAsync(message, pipeline);
    }

    private readonly KeyValuePair<string, object?> _account = new(StorageMetrics.AccountTag, account);

    private void Count(Azure.Core.Request request)
    {
        var path = request.Uri.Path;
        var resource = path[(path.LastIndexOf('/') + 1)..];
        if (resource == "$batch")
        {
            StorageMetrics.Transactions.Add(1, Batch, _account);
            // Reading the body again costs a copy of it, so only while someone listens for the figure.
            if (StorageMetrics.EntityWrites.Enabled && request.Content is { } content)
            {
                var operations = new RequestLineCounter();
                content.WriteTo(operations, CancellationToken.None);
                StorageMetrics.EntityWrites.Add(operations.Count, _account);
            }
        }
        else if (request.Method == RequestMethod.Get)
        {
            StorageMetrics.Transactions.Add(1, Read, _account);
        }
        else if (resource.StartsWith("Tables", StringComparison.Ordinal))
        {
            StorageMetrics.Transactions.Add(1, Table, _account);
        }
        else
        {
            // Insert (POST), upsert or update (PUT, MERGE, PATCH), delete: one entity each.
            StorageMetrics.Transactions.Add(1, Write, _account);
            StorageMetrics.EntityWrites.Add(1, _account);
        }
    }
}
