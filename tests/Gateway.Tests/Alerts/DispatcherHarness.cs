using Gateway.Grains.Alerts;
using Gateway.Storage.Admin;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Alerts;

/// <summary>
/// The budget alert dispatcher as <c>AddBudgetAlerts</c> registers it, writing to its own tables in
/// Azurite, with retry delays of milliseconds.
/// </summary>
public sealed class DispatcherHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private bool _started;

    private DispatcherHarness(ServiceProvider services)
    {
        _services = services;
        Dispatcher = services.GetRequiredService<BudgetAlertDispatcher>();
        Sink = services.GetRequiredService<IBudgetAlertSink>();
        Audit = services.GetRequiredService<AdminAuditLog>();
    }

    public BudgetAlertDispatcher Dispatcher { get; }
    public IBudgetAlertSink Sink { get; }
    public AdminAuditLog Audit { get; }

    public static async Task<DispatcherHarness> CreateAsync(string? webhookUrl, Action<AlertOptions>? configure = null, TimeProvider? time = null, bool start = true)
    {
        var tables = await TestStorage.CreateTablesAsync(TestStorage.NewPrefix());
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Alerts:WebhookUrl"] = webhookUrl,
            ["Gateway:Audit:ChainSecret"] = TestStorage.ChainSecret,
            ["Gateway:Alerts:InitialRetryDelay"] = "00:00:00.010",
            ["Gateway:Alerts:MaxRetryDelay"] = "00:00:00.050",
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(tables);
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddBudgetAlerts();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        var harness = new DispatcherHarness(services.BuildServiceProvider());
        if (start)
        {
            await harness.StartAsync();
        }

        return harness;
    }

    public async Task StartAsync()
    {
        await Dispatcher.StartAsync(CancellationToken.None);
        _started = true;
    }

    public async Task<IReadOnlyList<AdminAuditEntry>> AuditRowsAsync(int expected) =>
        await Poll.UntilAsync(() => Audit.ListAsync(100, CancellationToken.None), rows => rows.Count >= expected, TimeSpan.FromSeconds(20), $"{expected} admin audit rows");

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await Dispatcher.StopAsync(CancellationToken.None);
        }

        await _services.DisposeAsync();
    }
}
