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
        var tags = Count(message.Request);
        var started = Stopwatch.GetTimestamp();
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (Exception ex)
        {
            Failed(tags, ex);
            throw;
        }
        finally
        {
            Timed(message, tags, started);
        }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var tags = Count(message.Request);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await ProcessNextAsync(message, pipeline);
        }
        catch (Exception ex)
        {
            Failed(tags, ex);
            throw;
        }
        finally
        {
            Timed(message, tags, started);
        }
    }

    private static void Timed(HttpMessage message, TagList tags, long started)
    {
        StorageMetrics.Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        if (message.HasResponse && message.Response.Status is 408 or 429 or >= 500)
        {
            tags.Add(StorageMetrics.ErrorTypeTag, StatusName(message.Response.Status));
            StorageMetrics.Failures.Add(1, tags);
        }
    }

    private static void Failed(TagList tags, Exception ex)
    {
        tags.Add(StorageMetrics.ErrorTypeTag, ex.GetType().Name);
        StorageMetrics.Failures.Add(1, tags);
    }

    private static string StatusName(int status) => status switch
    {
        408 => "408",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        _ => "5xx",
    };

    /// <summary>Counts the request; its tags, for timing it.</summary>
    private TagList Count(Azure.Core.Request request)
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

            return tags;
        }

        if (request.Method == RequestMethod.Get)
        {
            var tags = Tags("read", TableOf(resource));
            StorageMetrics.Transactions.Add(1, tags);
            return tags;
        }

        if (resource.StartsWith("Tables", StringComparison.Ordinal))
        {
            var tags = Tags("table", "Tables");
            StorageMetrics.Transactions.Add(1, tags);
            return tags;
        }

        {
            // Insert (POST), upsert or update (PUT, MERGE, PATCH), delete: one entity each.
            var tags = Tags("write", TableOf(resource));
            StorageMetrics.Transactions.Add(1, tags);
            StorageMetrics.EntityWrites.Add(1, tags);
            return tags;
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
