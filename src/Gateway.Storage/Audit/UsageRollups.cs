using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;

namespace Gateway.Storage.Audit;

/// <summary>
/// Usage per key, hour, team and model, kept as the ledger copier copies rows: one row per group in
/// the key's partition of the usage table, in the key's account (row key <c>yyyyMMddHH~team~model</c>), holding the sums
/// of the key's ledger rows recorded in that hour and the last sequence counted, so applying the
/// same rows twice (a copy retried) counts them once. The usage report reads these instead of the
/// ledger, and they equal the ledger to the micro-dollar.
/// </summary>
public sealed class UsageRollups(GatewayTables tables)
{
    // Far more than the rollups of one hour of a large fleet's active keys; past it the cache starts
    // again, which costs each key one read.
    private const int MaxKnown = 50_000;

    // The rollup rows this process wrote last, with their versions: the next copy of the same key
    // and hour updates its row without reading it first, which halves the copier's transactions.
    // A row another process changed since fails its version check and is read again.
    private readonly ConcurrentDictionary<(string KeyId, string RowKey), TableEntity> _known = new();

    /// <summary>Adds rows of one key (in sequence order) to their hours' rollups; rows counted already are skipped.</summary>
    public async Task ApplyAsync(IReadOnlyList<AuditRecord> rows, CancellationToken cancellationToken)
    {
        foreach (var group in rows.GroupBy(RowKey, StringComparer.Ordinal))
        {
            var first = group.First();
            var usage = tables.AccountFor(first.KeyId).Usage;
            var id = (first.KeyId, group.Key);
            for (var attempt = 0; ; attempt++)
            {
                TableEntity? entity = null;
                if (attempt == 0 && _known.TryGetValue(id, out var known))
                {
                    entity = Copy(known);
                }
                else
                {
                    var stored = await usage.GetEntityIfExistsAsync<TableEntity>(first.KeyId, group.Key, cancellationToken: cancellationToken);
                    entity = stored.HasValue ? stored.Value : null;
                }

                var exists = entity is not null;
                entity ??= New(first, group.Key);
                var last = entity.GetInt64("LastSequence") ?? 0;
                var fresh = group.Where(r => r.Sequence > last).ToList();
                if (fresh.Count == 0)
                {
                    break;
                }

                Add(entity, "Requests", fresh.Count(r => !IsDenied(r)));
                Add(entity, "Denied", fresh.Where(IsDenied).Sum(r => r.Count));
                Add(entity, "InputTokens", fresh.Sum(r => r.InputTokens));
                Add(entity, "OutputTokens", fresh.Sum(r => r.OutputTokens));
                Add(entity, "CachedInputTokens", fresh.Sum(r => r.CachedInputTokens));
                Add(entity, "CacheWrite5mTokens", fresh.Sum(r => r.CacheWrite5mTokens));
                Add(entity, "CacheWrite1hTokens", fresh.Sum(r => r.CacheWrite1hTokens));
                Add(entity, "ReasoningTokens", fresh.Sum(r => r.ReasoningTokens));
                Add(entity, "CostMicros", fresh.Sum(r => r.CostMicros));
                entity["LastSequence"] = fresh[^1].Sequence;
                try
                {
                    var response = exists
                        ? await usage.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken)
                        : await usage.AddEntityAsync(entity, cancellationToken);
                    entity.ETag = response.Headers.ETag ?? default;
                    Remember(id, entity);
                    break;
                }
                catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < 5)
                {
                    // Another copier of this key (a silo handing over) moved it meanwhile: read again.
                    _known.TryRemove(id, out _);
                }
                catch
                {
                    _known.TryRemove(id, out _);
                    throw;
                }
            }
        }
    }

    private void Remember((string KeyId, string RowKey) id, TableEntity entity)
    {
        if (entity.ETag == default)
        {
            _known.TryRemove(id, out _);
            return;
        }

        if (_known.Count >= MaxKnown)
        {
            _known.Clear();
        }

        _known[id] = entity;
    }

    private static TableEntity Copy(TableEntity entity)
    {
        var copy = new TableEntity(entity.PartitionKey, entity.RowKey) { ETag = entity.ETag };
        foreach (var (name, value) in entity)
        {
            if (name is not ("PartitionKey" or "RowKey" or "Timestamp" or "odata.etag"))
            {
                copy[name] = value;
            }
        }

        return copy;
    }

    /// <summary>Every rollup row of the hours in [<paramref name="from"/>, <paramref name="to"/>) over all keys, of every account (the scan clients: an operator's report).</summary>
    public async IAsyncEnumerable<UsageRollup> ReadAsync(DateTimeOffset from, DateTimeOffset to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"Hour ge {from} and Hour lt {to}");
        foreach (var account in tables.Accounts)
        {
            await foreach (var e in account.UsageScan.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                yield return From(e);
            }
        }
    }

    /// <summary>One key's rollup rows (one partition).</summary>
    public async IAsyncEnumerable<UsageRollup> ReadKeyAsync(string keyId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in tables.AccountFor(keyId).Usage.QueryAsync<TableEntity>($"PartitionKey eq {TableKeys.Quote(keyId)}", cancellationToken: cancellationToken))
        {
            yield return From(e);
        }
    }

    /// <summary>One key's rollup rows of the hours from <paramref name="from"/>'s through <paramref name="to"/>'s: a row-key range of one partition.</summary>
    public async IAsyncEnumerable<UsageRollup> ReadKeyHoursAsync(string keyId, DateTimeOffset from, DateTimeOffset to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var first = HourOf(from).ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
        var end = HourOf(to).AddHours(1).ToString("yyyyMMddHH", CultureInfo.InvariantCulture);
        var filter = $"PartitionKey eq {TableKeys.Quote(keyId)} and RowKey ge {TableKeys.Quote(first)} and RowKey lt {TableKeys.Quote(end)}";
        await foreach (var e in tables.AccountFor(keyId).Usage.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return From(e);
        }
    }

    /// <summary>The hour a row counts in: the hour it was recorded in, UTC.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The rollup row a ledger row counts in.</summary>
    public static string RowKey(AuditRecord row) =>
        HourOf(row.RecordedAt).ToString("yyyyMMddHH", CultureInfo.InvariantCulture) + "~" + TableKeys.Sanitize(row.TeamId ?? "") + "~" + TableKeys.Sanitize(row.Model);

    private static bool IsDenied(AuditRecord row) => row.Outcome == "denied";

    private static TableEntity New(AuditRecord row, string rowKey) => new(row.KeyId, rowKey)
    {
        ["Hour"] = HourOf(row.RecordedAt),
        ["KeyId"] = row.KeyId,
        ["UserId"] = row.UserId,
        ["TeamId"] = row.TeamId,
        ["Model"] = row.Model,
    };

    private static void Add(TableEntity entity, string property, long amount) => entity[property] = (entity.GetInt64(property) ?? 0) + amount;

    private static UsageRollup From(TableEntity e) => new(
        e.PartitionKey, e.RowKey, e.GetDateTimeOffset("Hour") ?? default, e.GetString("UserId") ?? "", e.GetString("TeamId"), e.GetString("Model") ?? "",
        e.GetInt64("Requests") ?? 0, e.GetInt64("Denied") ?? 0, e.GetInt64("InputTokens") ?? 0, e.GetInt64("OutputTokens") ?? 0,
        e.GetInt64("CachedInputTokens") ?? 0, e.GetInt64("CacheWrite5mTokens") ?? 0, e.GetInt64("CacheWrite1hTokens") ?? 0, e.GetInt64("ReasoningTokens") ?? 0,
        e.GetInt64("CostMicros") ?? 0, e.GetInt64("LastSequence") ?? 0);
}

/// <summary>A key's usage in one hour, for one team and model; rows from before the cache-write and reasoning counts read them as 0.</summary>
public sealed record UsageRollup(
    string KeyId, string RowKey, DateTimeOffset Hour, string UserId, string? TeamId, string Model,
    long Requests, long Denied, long InputTokens, long OutputTokens, long CachedInputTokens,
    long CacheWrite5mTokens, long CacheWrite1hTokens, long ReasoningTokens, long CostMicros, long LastSequence);
