using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Audit;
using Gateway.Storage.Metrics;

namespace Gateway.Storage.Admin;

/// <summary>
/// The admin audit trail. Row keys count down from the end of time, so a plain query returns the
/// newest actions first, and a time range is a row-key range. Admin actions are rare, so one
/// partition serves them all.
/// Every row fits Table Storage's limits whatever it is given (64 KiB per string property, 1 MiB per
/// entity): a long before/after value is split over several properties, one past
/// <see cref="MaxValueChars"/> is replaced by an explicit truncation marker, and the other text is cut.
/// <para>
/// The rows form one HMAC chain (<see cref="AdminAuditChain"/>). Front-ends and silos all write
/// here, so a row's place in the chain is taken through the head row: the row and the head's new
/// value go in one transaction that holds only if the head is unchanged since it was read (its
/// ETag); a writer that loses the race reads the head again. Admin actions are rare, so the retry
/// costs nothing in practice, and the chain stays single and gap-free whoever writes.
/// </para>
/// </summary>
public sealed class AdminAuditLog(GatewayTables tables, AuditChainKey chainKey)
{
    /// <summary>Attempts at taking a place in the chain (or at re-sealing a row) before giving up; each loses only to another writer's success.</summary>
    private const int MaxChainAttempts = 20;

    private readonly SemaphoreSlim _appendLock = new(1, 1);
    private (long Seq, string Link, ETag ETag)? _head;
    private long _lastWritten;

    /// <summary>UTF-16 characters per string property: 30,000 of them are under 64 KiB with room to spare.</summary>
    public const int MaxPropertyChars = 30_000;

    /// <summary>Properties a before or after value may span; two such values keep a row far below 1 MiB.</summary>
    public const int MaxValueParts = 4;

    public const int MaxValueChars = MaxPropertyChars * MaxValueParts;

    /// <summary>How much of a truncated value is kept in its marker, so that the marker fits one property even when escaped.</summary>
    private const int TruncatedStartChars = 4_000;

    private const int MaxDetailChars = 4_000;
    private const int MaxTargetChars = 256;
    public const string Partition = "admin";

    /// <summary>Inverted time, then a unique suffix: "0000000000000000000_" + 32 hex digits.</summary>
    private const int RowKeyLength = 19 + 1 + 32;

    /// <summary>Writes a row, chained, and returns its row key. Throws when the row could not be written.</summary>
    public async Task<string> RecordAsync(AdminAuditEntry entry, CancellationToken cancellationToken)
    {
        var rowKey = NewRowKey(entry.At);
        // One append at a time per process: writers in this process never race each other for the head.
        await _appendLock.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var (seq, link, etag) = _head ?? await ReadHeadAsync(cancellationToken);
                var next = seq + 1;
                var nextLink = AdminAuditChain.LinkOf(chainKey, link, next, rowKey);
                var row = ToEntity(rowKey, entry);
                AdminAuditChain.Seal(chainKey, row, next, nextLink);
                var head = AdminAuditChain.Head(chainKey, next, nextLink);
                TableTransactionAction[] actions =
                [
                    new(TableTransactionActionType.Add, row),
                    etag == default ? new(TableTransactionActionType.Add, head) : new(TableTransactionActionType.UpdateReplace, head, etag),
                ];
                try
                {
                    var response = await tables.AdminAudit.SubmitCountedAsync(actions, cancellationToken);
                    _head = (next, nextLink, response.Value[1].Headers.ETag ?? default);
                    _lastWritten = next;
                    return rowKey;
                }
                catch (TableTransactionFailedException ex) when (ex.Status is 409 or 412 or 404 && attempt < MaxChainAttempts)
                {
                    // Another writer took the place (or the head was not what was cached): read it again.
                    _head = null;
                }
            }
        }
        catch
        {
            _head = null;
            throw;
        }
        finally
        {
            _appendLock.Release();
        }
    }

    /// <summary>Replaces a row (a pending one, written before its action) with the action's outcome, keeping its place in the chain.</summary>
    public Task CompleteAsync(string rowKey, AdminAuditEntry entry, CancellationToken cancellationToken) =>
        ResealAsync(rowKey, _ => ToEntity(rowKey, entry), cancellationToken);

    /// <summary>Sets how many failed attempts a row stands for, and when the last was.</summary>
    public Task CountAttemptsAsync(string rowKey, int attempts, DateTimeOffset lastAttemptAt, CancellationToken cancellationToken) =>
        ResealAsync(rowKey, stored => ToEntity(rowKey, FromEntity(stored) with { Attempts = attempts, LastAttemptAt = lastAttemptAt }), cancellationToken);

    /// <summary>
    /// Verifies the admin audit chain: every row's place (sequence and link) and content (MAC), and
    /// the head, against the head this process last wrote too. Reads the whole admin partition: an
    /// operator's check. A head that moves while it reads (another writer) gets one more read.
    /// </summary>
    public async Task<ChainVerification> VerifyChainAsync(CancellationToken cancellationToken)
    {
        ChainVerification result = null!;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var entities = new List<TableEntity>();
            await foreach (var e in tables.AdminAudit.QueryAsync<TableEntity>($"PartitionKey eq '{Partition}'", cancellationToken: cancellationToken))
            {
                entities.Add(e);
            }

            result = AdminChainCheck.Verify(chainKey, entities, Volatile.Read(ref _lastWritten));
            if (result.Break?.Kind is not (ChainBreakKind.Truncated or ChainBreakKind.Inserted))
            {
                break;
            }
        }

        return result;
    }

    /// <summary>Rewrites a row's content and seals it again under its unchanged link; a row from before the chain is rewritten as it is.</summary>
    private async Task ResealAsync(string rowKey, Func<TableEntity, TableEntity> rewrite, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = (await tables.AdminAudit.GetEntityAsync<TableEntity>(Partition, rowKey, cancellationToken: cancellationToken)).Value;
            var row = rewrite(stored);
            if (stored.GetInt64(AdminAuditChain.Seq) is { } seq)
            {
                AdminAuditChain.Seal(chainKey, row, seq, stored.GetString(AdminAuditChain.Link) ?? "");
            }

            try
            {
                await tables.AdminAudit.UpdateEntityAsync(row, stored.ETag, TableUpdateMode.Replace, cancellationToken);
                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxChainAttempts)
            {
                // Changed since it was read (attempts counted, or completed, elsewhere): start from the new content.
            }
        }
    }

    private async Task<(long Seq, string Link, ETag ETag)> ReadHeadAsync(CancellationToken cancellationToken)
    {
        var head = await tables.AdminAudit.GetEntityIfExistsAsync<TableEntity>(Partition, AdminAuditChain.HeadRowKey, cancellationToken: cancellationToken);
        if (!head.HasValue || head.Value is not { } h)
        {
            return (0, "", default);
        }

        // A head that fails its MAC is written over all the same (refusing would stop every admin
        // change); verification reports it.
        return (h.GetInt64("Seq") ?? 0, h.GetString("Link") ?? "", h.ETag);
    }

    /// <summary>The newest actions first.</summary>
    public async Task<IReadOnlyList<AdminAuditEntry>> ListAsync(int limit, CancellationToken cancellationToken) =>
        (await QueryAsync(new AdminAuditQuery(limit), cancellationToken)).Entries;

    /// <summary>
    /// One page, newest first. The time range and the cursor bound the row keys read; actor, action
    /// and target are filtered by the table service, so only matching rows come back.
    /// </summary>
    public async Task<AdminAuditResult> QueryAsync(AdminAuditQuery query, CancellationToken cancellationToken)
    {
        // The chain's head row sorts after every row key ('~' > digits) and is not an action.
        var filter = new StringBuilder($"PartitionKey eq '{Partition}' and RowKey lt '~'");
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
            ["Target"] = TableText.Cut(entry.Target, MaxTargetChars),
            ["Success"] = entry.Success,
            ["Status"] = entry.Status,
            ["Detail"] = TableText.Cut(entry.Detail, MaxDetailChars),
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
                ["start"] = TableText.Prefix(json, TruncatedStartChars),
            });
        }

        for (int offset = 0, part = 1; offset < json.Length; part++)
        {
            var chunk = TableText.Prefix(json[offset..], MaxPropertyChars);
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
}
