using System.Diagnostics;
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
    private readonly string _account = account;

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


    private void Count(Azure.Core.Request request)
    {
        var path = request.Uri.Path;
        var resource = path[(path.LastIndexOf('/') + 1)..];
        if (resource == "$batch")
        {
            var batch = StorageMetrics.Batch.Value;
            var tags = Tags("batch", batch?.Table ?? resource);
            StorageMetrics.Transactions.Add(1, tags);
            if (batch is not null)
            {
                StorageMetrics.EntityWrites.Add(batch.Rows, tags);
            }
            else if (StorageMetrics.EntityWrites.Enabled && request.Content is { } content)
            {
                // A batch sent without saying its size (Orleans' own; the gateway's go through
                // StorageMetrics.SubmitCountedAsync): reading the body again costs a
                // copy of it, so only while someone listens for the figure.
                var operations = new RequestLineCounter();
                content.WriteTo(operations, CancellationToken.None);
                StorageMetrics.EntityWrites.Add(operations.Count, tags);
            }
        }
        else if (request.Method == RequestMethod.Get)
        {
            StorageMetrics.Transactions.Add(1, Tags("read", TableOf(resource)));
        }
        else if (resource.StartsWith("Tables", StringComparison.Ordinal))
        {
            StorageMetrics.Transactions.Add(1, Tags("table", "Tables"));
        }
        else
        {
            // Insert (POST), upsert or update (PUT, MERGE, PATCH), delete: one entity each.
            var tags = Tags("write", TableOf(resource));
            StorageMetrics.Transactions.Add(1, tags);
            StorageMetrics.EntityWrites.Add(1, tags);
        }
    }

    /// <summary>The table a request names: <c>name</c>, <c>name()</c> or <c>name(PartitionKey='…',RowKey='…')</c>.</summary>
    private static string TableOf(string resource)
    {
        var end = resource.IndexOf('(', StringComparison.Ordinal);
        return end < 0 ? resource : resource[..end];
    }

    private TagList Tags(string operation, string table) => new()
    {
        { StorageMetrics.OperationTag, operation },
        { StorageMetrics.TableTag, table },
        { StorageMetrics.AccountTag, _account },
    };
}
