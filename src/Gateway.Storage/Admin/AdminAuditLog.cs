using System.Globalization;
using Azure.Data.Tables;

namespace Gateway.Storage.Admin;

/// <summary>
/// The admin audit trail. Row keys count down from the end of time, so a plain query returns the
/// newest actions first. Admin actions are rare, so one partition serves them all.
/// </summary>
public sealed class AdminAuditLog(GatewayTables tables)
{
    private const string Partition = "admin";

    public async Task RecordAsync(AdminAuditEntry entry, CancellationToken cancellationToken)
    {
        var inverted = (DateTimeOffset.MaxValue.UtcTicks - entry.At.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
        var rowKey = $"{inverted}_{Guid.NewGuid():N}";
        await tables.AdminAudit.AddEntityAsync(new TableEntity(Partition, rowKey)
        {
            ["At"] = entry.At,
            ["Action"] = entry.Action,
            ["Actor"] = entry.Actor,
            ["ActorName"] = entry.ActorName,
            ["Target"] = entry.Target,
            ["Success"] = entry.Success,
            ["Status"] = entry.Status,
            ["Detail"] = entry.Detail,
            ["Before"] = entry.BeforeJson,
            ["After"] = entry.AfterJson,
            ["ClientAddress"] = entry.ClientAddress,
        }, cancellationToken);
    }

    /// <summary>The newest actions first.</summary>
    public async Task<IReadOnlyList<AdminAuditEntry>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var entries = new List<AdminAuditEntry>(limit);
        await foreach (var e in tables.AdminAudit.QueryAsync<TableEntity>($"PartitionKey eq '{Partition}'", maxPerPage: Math.Min(limit, 1000), cancellationToken: cancellationToken))
        {
            entries.Add(new AdminAuditEntry(
                e.GetDateTimeOffset("At") ?? default, e.GetString("Action") ?? "", e.GetString("Actor"), e.GetString("ActorName"), e.GetString("Target"),
                e.GetBoolean("Success") ?? false, e.GetInt32("Status") ?? 0, e.GetString("Detail"), e.GetString("Before"), e.GetString("After"), e.GetString("ClientAddress")));
            if (entries.Count >= limit)
            {
                break;
            }
        }

        return entries;
    }
}
