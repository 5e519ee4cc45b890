using System.Net.Http.Headers;
using Gateway.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A gateway process shape (all-in-one, silo or front-end) hosted in the test process on real
/// loopback ports, with Table Storage on Azurite and the simulator as its upstream.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    public const string AdminKey = "gwadmin_test-admin-key-for-the-suite-only";

    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GatewayServer> StartAsync(GatewaySettings settings, Action<WebApplicationBuilder>? configure = null)
    {
        var app = GatewayHostBuilder.Build(settings.ToArgs(), configure);
        await app.PrepareStorageAsync();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new GatewayServer(app, address.TrimEnd('/'));
    }

    public HttpClient CreateAdminClient()
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync();
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }
}
