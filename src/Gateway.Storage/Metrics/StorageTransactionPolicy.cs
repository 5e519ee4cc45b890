using Azure.Core;
using Azure.Core.Pipeline;

namespace Gateway.Storage.Metrics;

/// <summary>
/// Counts each request to Table Storage as a transaction and the entities it writes, from the request
/// alone: the method and the path tell a read from a write from a table operation, and a
/// <c>$batch</c> body holds one request line per operation. It counts before sending, as a request
/// that fails has been paid for all the same.
/// </summary>
internal sealed class StorageTransactionPolicy : HttpPipelinePolicy
{
    public static StorageTransactionPolicy Instance { get; } = new();

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

    private static void Count(Azure.Core.Request request)
    {
        var path = request.Uri.Path;
        var resource = path[(path.LastIndexOf('/') + 1)..];
        if (resource == "$batch")
        {
            StorageMetrics.Transactions.Add(1, Batch);
            if (StorageMetrics.BatchRows.Value is > 0 and var rows)
            {
                StorageMetrics.EntityWrites.Add(rows);
            }
            else if (StorageMetrics.EntityWrites.Enabled && request.Content is { } content)
            {
                // A batch sent without saying its size (Orleans' own): reading the body again costs a
                // copy of it, so only while someone listens for the figure.
                var operations = new RequestLineCounter();
                content.WriteTo(operations, CancellationToken.None);
                StorageMetrics.EntityWrites.Add(operations.Count);
            }
        }
        else if (request.Method == RequestMethod.Get)
        {
            StorageMetrics.Transactions.Add(1, Read);
        }
        else if (resource.StartsWith("Tables", StringComparison.Ordinal))
        {
            StorageMetrics.Transactions.Add(1, Table);
        }
        else
        {
            // Insert (POST), upsert or update (PUT, MERGE, PATCH), delete: one entity each.
            StorageMetrics.Transactions.Add(1, Write);
            StorageMetrics.EntityWrites.Add(1);
        }
    }
}
