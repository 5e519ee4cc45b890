using Gateway.Frontend;
using Gateway.Frontend.Pricing;
using Gateway.Storage;
using Gateway.Storage.Pricing;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Storage;

/// <summary>A front-end's price catalog when storage fails under it: the last good table stays in force.</summary>
public sealed class PriceCatalogTests
{
    [Fact]
    public async Task A_failed_refresh_keeps_the_last_good_table_and_the_next_good_one_replaces_it()
    {
        var prefix = TestStorage.NewPrefix();
        var direct = new PriceStore(await TestStorage.CreateTablesAsync(prefix));
        var now = DateTimeOffset.UtcNow;
        await direct.SeedAsync([new StoredPrice("acme-kept", 1_000_000, 2_000_000, 500_000, 1_250_000, 2_000_000, null, null, null, now, "test")], now, CancellationToken.None);

        await using var proxy = new FaultProxy(FaultProxy.StoragePort());
        var options = TestStorage.Options(prefix);
        options.ConnectionString = FaultProxy.ConnectionStringThrough(proxy);
        var catalog = new PriceCatalog(new PriceStore(new GatewayTables(Options.Create(options))), Options.Create(new FrontendOptions()), TimeProvider.System, NullLogger<PriceCatalog>.Instance);
        await catalog.PrepareAsync(CancellationToken.None);
        Assert.True(catalog.Current.TryGet("acme-kept", out var loaded));
        Assert.Equal(1_000_000, loaded.Price.InputMicrosPerMTok);
        var loadedAt = catalog.LoadedAt;

        proxy.Mode = FaultMode.Reset;
        await direct.PutAsync(new StoredPrice("acme-kept", 3_000_000, 4_000_000, 3_000_000, 3_750_000, 6_000_000, null, null, null, now, "test"), null, CancellationToken.None);
        Assert.False(await catalog.RefreshAsync(CancellationToken.None));
        Assert.True(catalog.Current.TryGet("acme-kept", out var kept));
        Assert.Equal(1_000_000, kept.Price.InputMicrosPerMTok);
        Assert.Equal(loadedAt, catalog.LoadedAt);

        proxy.Mode = FaultMode.Pass;
        Assert.True(await catalog.RefreshAsync(CancellationToken.None));
        Assert.True(catalog.Current.TryGet("acme-kept", out var replaced));
        Assert.Equal((3_000_000L, 4_000_000L), (replaced.Price.InputMicrosPerMTok, replaced.Price.OutputMicrosPerMTok));
    }
}
