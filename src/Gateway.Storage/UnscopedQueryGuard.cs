using Azure.Core;
using Azure.Core.Pipeline;

namespace Gateway.Storage;

/// <summary>What the gateway does when a table query on its request or background paths names no partition.</summary>
public enum UnscopedQueries
{
    /// <summary>Let it run.</summary>
    Allow,

    /// <summary>Let it run and count it (metric <c>gateway.storage.unscoped_queries</c>).</summary>
    Warn,

    /// <summary>Refuse it with an exception: what the test suite runs with, so a scan added to a hot path fails a test.</summary>
    Fail,
}

/// <summary>
/// Watches every query the gateway's table clients send: a query whose filter does not pin
/// <c>PartitionKey eq '…'</c> reads every partition of the table, which Table Storage serves slowly
/// and at fleet scale not at all. The few scans that are meant (operators' reports) go through the
/// separate scan clients of <see cref="LedgerAccount"/>, which carry no guard.
/// </summary>
internal sealed class UnscopedQueryGuard(UnscopedQueries mode) : HttpPipelineSynchronousPolicy
{
    private static readonly System.Diagnostics.Metrics.Meter Meter = new("Gateway.Storage");
    private static readonly System.Diagnostics.Metrics.Counter<long> Unscoped = Meter.CreateCounter<long>("gateway.storage.unscoped_queries", description: "Table queries that named no partition");

    public override void OnSendingRequest(HttpMessage message)
    {
        if (mode == UnscopedQueries.Allow || message.Request.Method != RequestMethod.Get)
        {
            return;
        }

        var uri = message.Request.Uri.ToUri();
        if (!uri.AbsolutePath.EndsWith("()", StringComparison.Ordinal))
        {
            // A point read names its row in the path; only a query ends in "()".
            return;
        }

        var filter = QueryFilter(uri.Query);
        if (filter is not null && filter.StartsWith("PartitionKey eq '", StringComparison.Ordinal))
        {
            return;
        }

        var table = uri.AbsolutePath[(uri.AbsolutePath.LastIndexOf('/') + 1)..^2];
        Unscoped.Add(1, new KeyValuePair<string, object?>("table", table));
        if (mode == UnscopedQueries.Fail)
        {
            throw new InvalidOperationException($"A query on table '{table}' names no partition (filter: {filter ?? "none"}); queries on the gateway's own paths must pin PartitionKey. Operators' scans use LedgerAccount's scan clients.");
        }
    }

    private static string? QueryFilter(string query)
    {
        foreach (var part in query.TrimStart('?').Split('&'))
        {
            if (part.StartsWith("$filter=", StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(part["$filter=".Length..].Replace('+', ' '));
            }
        }

        return null;
    }
}
