using Microsoft.AspNetCore.Builder;

namespace Gateway.Simulator.Tests;

/// <summary>A simulator started in-process on a random loopback port and driven over real HTTP.</summary>
public sealed class RunningSimulator : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningSimulator(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public static async Task<RunningSimulator> StartAsync(Action<SimulatorOptions>? configure = null, params string[] extraArgs)
    {
        string[] args = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default", "Warning", .. extraArgs];
        var app = SimulatorApp.Build(args, configure);
        await app.StartAsync();
        return new RunningSimulator(app, new Uri(app.Urls.Single()));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
