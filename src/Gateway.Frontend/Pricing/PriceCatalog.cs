using System.Diagnostics.Metrics;
using Gateway.Core.Pricing;
using Gateway.Storage.Pricing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Pricing;

/// <summary>
/// The prices this front-end charges by: an immutable <see cref="PriceTable"/> read from the prices
/// table, swapped whole on every refresh, so each request reads one consistent snapshot. A request
/// carries the price it was reserved with from there on, so a change never reprices one in flight.
/// When a refresh fails the last good table stays; before the first load nothing is priced, and
/// readiness says so.
/// </summary>
public sealed partial class PriceCatalog(PriceStore store, IOptions<FrontendOptions> frontend, TimeProvider time, ILogger<PriceCatalog> logger)
{
    private static readonly Meter Meter = new("Gateway.Prices");
    private static readonly Counter<long> RefreshFailures = Meter.CreateCounter<long>("gateway.prices.refresh_failures", description: "Reads of the prices table that failed; the last good table stayed in force");

    // One read at a time, so a read that started before a change can never replace a newer table.
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Snapshot? _snapshot;

    public PriceTable Current => _snapshot?.Table ?? PriceTable.Empty;

    /// <summary>When the table in force was read; null before the first read.</summary>
    public DateTimeOffset? LoadedAt => _snapshot?.LoadedAt;

    /// <summary>
    /// Before the front-end serves: seeds the table from the price file on the deployment's first
    /// start, then reads it. Throws when either fails: a front-end never serves without prices.
    /// </summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (!await store.IsSeededAsync(cancellationToken))
        {
            var path = SeedFilePath();
            var seed = PriceTable.Load(path);
            var now = time.GetUtcNow();
            var by = "seed:" + Path.GetFileName(path);
            var rows = seed.Entries.Select(e => ToStored(e.Key, e.Value, now, by)).ToList();
            if (seed.Default is { } fallback)
            {
                rows.Add(ToStored(PricedModelName.Default, fallback, now, by));
            }

            await store.SeedAsync(rows, now, cancellationToken);
            LogSeeded(logger, rows.Count, path);
        }

        await LoadAsync(cancellationToken);
    }

    /// <summary>Re-reads the table; false (logged and counted) when storage could not be read, and the last good table stays.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            await LoadAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            RefreshFailures.Add(1);
            LogRefreshFailed(logger, LoadedAt, ex);
            return false;
        }
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            var rows = await store.ListAsync(cancellationToken);
            _snapshot = new Snapshot(ToTable(rows), time.GetUtcNow());
        }
        finally
        {
            _loading.Release();
        }
    }

    public static PriceTable ToTable(IEnumerable<StoredPrice> rows)
    {
        var entries = new Dictionary<string, PriceEntry>(StringComparer.OrdinalIgnoreCase);
        PriceEntry? fallback = null;
        foreach (var row in rows)
        {
            var entry = new PriceEntry(new ModelPrice(row.InputMicrosPerMTok, row.OutputMicrosPerMTok, row.CachedInputMicrosPerMTok, row.CacheWrite5mMicrosPerMTok, row.CacheWrite1hMicrosPerMTok), row.MaxOutputTokens, row.Provider, row.ContextWindow);
            if (row.Model == PricedModelName.Default)
            {
                fallback = entry;
            }
            else
            {
                entries[row.Model] = entry;
            }
        }

        return new PriceTable(entries, fallback);
    }

    private static StoredPrice ToStored(string model, PriceEntry entry, DateTimeOffset now, string by) =>
        new(model, entry.Price.InputMicrosPerMTok, entry.Price.OutputMicrosPerMTok, entry.Price.CachedInputMicrosPerMTok,
            entry.Price.CacheWrite5mMicrosPerMTok, entry.Price.CacheWrite1hMicrosPerMTok,
            entry.MaxOutputTokens, entry.ContextWindow, entry.Provider, now, by);

    private string SeedFilePath()
    {
        var file = frontend.Value.PriceFile;
        var path = Path.IsPathRooted(file) ? file : Path.Combine(AppContext.BaseDirectory, file);
        if (!File.Exists(path))
        {
            throw new OptionsValidationException(FrontendOptions.Section, typeof(FrontendOptions),
                [$"The prices table has never been seeded and the price file '{path}' that seeds it does not exist ({FrontendOptions.Section}:PriceFile)."]);
        }

        return path;
    }

    private sealed record Snapshot(PriceTable Table, DateTimeOffset LoadedAt);
}
