using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;

namespace Gateway.Storage.Admin;

/// <summary>
/// The admin audit trail. Row keys count down from the end of time, so a plain query returns the
/// newest actions first, and a time range is a row-key range. Admin actions are rare, so one
/// partition serves them all.
/// Every row fits Table Storage's limits whatever it is given (64 KiB per string property, 1 MiB per
/// entity): a long before/after value is split over several properties, one past
/// <see cref="MaxValueChars"/> is replaced by an explicit truncation marker, and the other text is cut.
/// </summary>
public sealed class AdminAuditLog(GatewayTables tables)
{
    /// <summary>UTF-16 characters per string property: 30,000 of them are under 64 KiB with room to spare.</summary>
    public const int MaxPropertyChars = 30_000;

    /// <summary>Properties a before or after value may span; two such values keep a row far below 1 MiB.</summary>
    public const int MaxValueParts = 4;

    public const int MaxValueChars = MaxPropertyChars * MaxValueParts;

    /// <summary>How much of a truncated value is kept in its marker, so that the marker fits one property even when escaped.</summary>
    private const int TruncatedStartChars = 4_000;

    private const int MaxDetailChars = 4_000;
    private const int MaxTargetChars = 256;
    private const string Partition = "admin";

    /// <summary>Inverted time, then a unique suffix: "0000000000000000000_" + 32 hex digits.</summary>
    private const int RowKeyLength = 19 + 1 + 32;

    /// <summary>Writes a row and returns its row key. Throws when the row could not be written.</summary>
    public async Task<string> RecordAsync(AdminAuditEntry entry, CancellationToken cancellationToken)
    {
        var rowKey = NewRowKey(entry.At);
        await tables.AdminAudit.AddEntityAsync(ToEntity(rowKey, entry), cancellationToken);
        return rowKey;
    }

    /// <summary>Replaces a row (a pending one, written before its action) with the action's outcome.</summary>
    public async Task CompleteAsync(string rowKey, AdminAuditEntry entry, CancellationToken cancellationToken) =>
        await tables.AdminAudit.UpsertEntityAsync(ToEntity(rowKey, entry), TableUpdateMode.Replace, cancellationToken);

    /// <summary>Sets how many failed attempts a row stands for, and when the last was.</summary>
    public async Task CountAttemptsAsync(string rowKey, int attempts, DateTimeOffset lastAttemptAt, CancellationToken cancellationToken) =>
        await tables.AdminAudit.UpdateEntityAsync(new TableEntity(Partition, rowKey)
        {
            ["Attempts"] = attempts,
            ["LastAttemptAt"] = lastAttemptAt,
        }, ETag.All, TableUpdateMode.Merge, cancellationToken);

    /// <summary>The newest actions first.</summary>
    public async Task<IReadOnlyList<AdminAuditEntry>> ListAsync(int limit, CancellationToken cancellationToken) =>
        (await QueryAsync(new AdminAuditQuery(limit), cancellationToken)).Entries;

    /// <summary>
    /// One page, newest first. The time range and the cursor bound the row keys read; actor, action
    /// and target are filtered by the table service, so only matching rows come back.
    /// </summary>
    public async Task<AdminAuditResult> QueryAsync(AdminAuditQuery query, CancellationToken cancellationToken)
    {
        var filter = new StringBuilder($"PartitionKey eq '{Partition}'");
        if (query.To is { } to)
        {
            // At < to  <=>  inverted ticks >= MaxTicks - to + 1.
            filter.Append(CultureInfo.InvariantCulture, $" and RowKey ge '{Inverted(to.UtcTicks - 1)}'");
        }

        if (query.From is { } from)
        {
            // At >= from  <=>  inverted ticks <= MaxTicks - from, so the row key sorts before the next inverted value.
            filter.Append(CultureInfo.InvariantCulture, $" and RowKey lt '{Inverted(from.UtcTicks - 1)}'");
        }

        if (query.Cursor is { } cursor)
        {
            filter.Append(" and RowKey gt ").Append(TableKeys.Quote(cursor));
        }

        AppendEquals(filter, "Actor", query.Actor);
        AppendEquals(filter, "Action", query.Action);
        AppendEquals(filter, "Target", query.Target);

        // One row more than asked says whether there is a next page.
        var entries = new List<AdminAuditEntry>(query.Limit + 1);
        await foreach (var e in tables.AdminAudit.QueryAsync<TableEntity>(filter.ToString(), maxPerPage: Math.Min(query.Limit + 1, 1000), cancellationToken: cancellationToken))
        {
            entries.Add(FromEntity(e));
            if (entries.Count > query.Limit)
            {
                break;
            }
        }

        var more = entries.Count > query.Limit;
        if (more)
        {
            entries.RemoveAt(entries.Count - 1);
        }

        return new AdminAuditResult(entries, more ? entries[^1].RowKey : null);
    }

    /// <summary>Whether <paramref name="value"/> has the shape of this table's row keys (a cursor must).</summary>
    public static bool IsRowKey(string value) =>
        value.Length == RowKeyLength && value[19] == '_'
        && value.AsSpan(0, 19).IndexOfAnyExceptInRange('0', '9') < 0
        && value.AsSpan(20).IndexOfAnyExcept("0123456789abcdef") < 0;

    private static string NewRowKey(DateTimeOffset at) => $"{Inverted(at.UtcTicks)}_{Guid.NewGuid():N}";

    private static string Inverted(long ticks) => (DateTimeOffset.MaxValue.UtcTicks - ticks).ToString("D19", CultureInfo.InvariantCulture);

    private static void AppendEquals(StringBuilder filter, string property, string? value)
    {
        if (value is not null)
        {
            filter.Append(" and ").Append(property).Append(" eq ").Append(TableKeys.Quote(value));
        }
    }

    private static TableEntity ToEntity(string rowKey, AdminAuditEntry entry)
    {
        var e = new TableEntity(Partition, rowKey)
        {
            ["At"] = entry.At,
            ["Action"] = entry.Action,
            ["Actor"] = entry.Actor,
            ["ActorName"] = entry.ActorName,
            ["Target"] = Cut(entry.Target, MaxTargetChars),
            ["Success"] = entry.Success,
            ["Status"] = entry.Status,
            ["Detail"] = Cut(entry.Detail, MaxDetailChars),
            ["ClientAddress"] = entry.ClientAddress,
        };
        if (entry.Pending)
        {
            e["Pending"] = true;
        }

        if (entry.Attempts != 1 || entry.LastAttemptAt is not null)
        {
            e["Attempts"] = entry.Attempts;
            e["LastAttemptAt"] = entry.LastAttemptAt;
        }

        PutValue(e, "Before", entry.BeforeJson);
        PutValue(e, "After", entry.AfterJson);
        return e;
    }

    private static AdminAuditEntry FromEntity(TableEntity e) => new(
        e.GetDateTimeOffset("At") ?? default, e.GetString("Action") ?? "", e.GetString("Actor"), e.GetString("ActorName"), e.GetString("Target"),
        e.GetBoolean("Success") ?? false, e.GetInt32("Status") ?? 0, e.GetString("Detail"), GetValue(e, "Before"), GetValue(e, "After"), e.GetString("ClientAddress"),
        Pending: e.GetBoolean("Pending") ?? false, Attempts: e.GetInt32("Attempts") ?? 1, LastAttemptAt: e.GetDateTimeOffset("LastAttemptAt"), RowKey: e.RowKey);

    /// <summary>A JSON value over as many properties as it needs (Before, Before2, …), or a truncation marker in its place.</summary>
    private static void PutValue(TableEntity e, string name, string? json)
    {
        if (json is null)
        {
            return;
        }

        if (json.Length > MaxValueChars)
        {
            // Explicit, and still JSON: a reader sees that the value was cut and how long it was.
            json = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["truncated"] = true,
                ["length"] = json.Length,
                ["start"] = Prefix(json, TruncatedStartChars),
            });
        }

        for (int offset = 0, part = 1; offset < json.Length; part++)
        {
            var chunk = Prefix(json[offset..], MaxPropertyChars);
            e[part == 1 ? name : name + part.ToString(CultureInfo.InvariantCulture)] = chunk;
            offset += chunk.Length;
        }
    }

    private static string? GetValue(TableEntity e, string name)
    {
        if (e.GetString(name) is not { } first)
        {
            return null;
        }

        var value = new StringBuilder(first);
        for (var part = 2; e.GetString(name + part.ToString(CultureInfo.InvariantCulture)) is { } next; part++)
        {
            value.Append(next);
        }

        return value.ToString();
    }

    private static string? Cut(string? text, int max) =>
        text is null || text.Length <= max ? text : Prefix(text, max - 13) + "… (truncated)";

    /// <summary>At most <paramref name="max"/> characters, never ending in half of a surrogate pair (which storage would mangle).</summary>
    private static string Prefix(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        return char.IsHighSurrogate(text[max - 1]) ? text[..(max - 1)] : text[..max];
    }
}
