using System.Text;
using Azure.Data.Tables;

namespace Gateway.Storage.Audit;

/// <summary>
/// What an audit query keeps of the rows it reads: recorded in [<see cref="From"/>, <see cref="To"/>),
/// and with the model, outcome and request id given (exact matches). The table service applies it,
/// so only matching rows come back; the partitions read are the caller's choice, never this filter's.
/// </summary>
public sealed record LedgerFilter(
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    string? Model = null,
    string? Outcome = null,
    string? RequestId = null)
{
    /// <summary>The conditions as OData, each preceded by " and " (empty when nothing is filtered).</summary>
    public string Conditions()
    {
        var filter = new StringBuilder();
        if (From is { } from)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"RecordedAt ge {from}"));
        }

        if (To is { } to)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"RecordedAt lt {to}"));
        }

        AppendEquals(filter, "Model", Model);
        AppendEquals(filter, "Outcome", Outcome);
        AppendEquals(filter, "RequestId", RequestId);
        return filter.ToString();
    }

    private static void AppendEquals(StringBuilder filter, string property, string? value)
    {
        if (value is not null)
        {
            filter.Append(" and ").Append(property).Append(" eq ").Append(TableKeys.Quote(value));
        }
    }
}
