using Gateway.Grains.Keys;
using Orleans.Concurrency;
using Gateway.Storage.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Grains.Journal;

/// <summary>One shard of one account's journal, as the sweep sees it: one activation in the cluster however many silos call.</summary>
public interface IJournalShardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Hands each key with rows older than a lease in the shard to its grain, unless the shard was
    /// swept less than half a sweep interval ago (by another silo's call); the abandoned requests
    /// settled, 0 when skipped.
    /// </summary>
    [AlwaysInterleave]
    Task<int> Sweep();
}

/// <summary>
/// Sweeps one journal shard (key <c>{account index}/{partition}</c>, <see cref="KeyOf"/>). Every
/// silo's <see cref="JournalSweeper"/> calls every shard's grain each interval, so the sweep goes on
/// while any silo lives, but the shard is read, and its keys called, once an interval for the whole
/// fleet rather than once a silo. The keys are called a few at a time, and one that fails (a grain
/// that cannot activate, storage refusing its rows) is logged and passed over: it does not hold up
/// the keys after it.
/// </summary>
public sealed partial class JournalShardGrain(IntentJournal journal, TimeProvider time, IOptions<KeyGrainOptions> options, ILogger<JournalShardGrain> logger) : Grain, IJournalShardGrain
{
    /// <summary>Keys whose grains are called at once: each may activate and read its journal range and ledger.</summary>
    private const int KeysAtOnce = 8;

    private DateTimeOffset _sweptAt = DateTimeOffset.MinValue;

    /// <summary>The grain key of a shard: its account's index and its partition.</summary>
    public static string KeyOf(int account, string partition) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{account}/{partition}");

    public async Task<int> Sweep()
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        if (now < _sweptAt + o.SweepInterval / 2)
        {
            return 0;
        }

        // Set before the first await: a call interleaving with this sweep is skipped.
        _sweptAt = now;
        var key = this.GetPrimaryKeyString();
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var (account, partition) = (int.Parse(key.AsSpan(0, slash), System.Globalization.CultureInfo.InvariantCulture), key[(slash + 1)..]);

        // Keys whose grain may not be active: any intent older than a lease could be abandoned; its
        // key's grain judges, re-holding it for a lease first so a live front-end can renew it. Old
        // settled rows a dead silo never copied into the ledger are copied when the grain activates.
        var before = now - (o.LeaseTimeout < o.MaxRequestDuration ? o.LeaseTimeout : o.MaxRequestDuration) - o.AbandonGrace;
        var settled = 0;
        foreach (var keys in (await journal.FindKeysWithRowsBeforeAsync(account, partition, before, CancellationToken.None)).Chunk(KeysAtOnce))
        {
            settled += (await Task.WhenAll(keys.Select(keyId => SettleAbandonedAsync(key, keyId)))).Sum();
        }

        return settled;
    }

    private async Task<int> SettleAbandonedAsync(string shard, string keyId)
    {
        try
        {
            return await GrainFactory.GetGrain<IApiKeyGrain>(keyId).SettleAbandoned();
        }
        catch (Exception ex)
        {
            LogKeyFailed(logger, keyId, shard, ex.Message);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journal sweep: key {KeyId} in shard {Shard} failed ({Reason}); the shard's other keys go on, and it is tried again at the next interval")]
    private static partial void LogKeyFailed(ILogger logger, string keyId, string shard, string reason);
}
