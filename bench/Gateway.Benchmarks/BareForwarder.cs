using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Benchmarks;

/// <summary>
/// The floor: the least an ASP.NET Core proxy on YARP does for the same request. It forwards
/// <c>/v1/*</c> to the simulator with the caller's key replaced by the provider key, through one
/// <see cref="SocketsHttpHandler"/> tuned as the gateway's is, and nothing else: no key check, no
/// budget, no body parsing, no storage.
/// </summary>
internal static class BareForwarder
{
    /// <param name="args">ASP.NET Core settings; <c>--Upstream</c> and <c>--ProviderKey</c> say where and as whom to forward.</param>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        var upstream = app.Configuration["Upstream"] ?? throw new InvalidOperationException("--Upstream is required.");
        var transformer = new ProviderKeyTransformer(app.Configuration["ProviderKey"] ?? throw new InvalidOperationException("--ProviderKey is required."));
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = int.MaxValue,
        });
        var config = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(10) };
        var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
        // A RequestDelegate, not a minimal-API handler, which would write the returned ForwarderError after the response.
        app.Map("/v1/{**rest}", (RequestDelegate)(async context => await forwarder.SendAsync(context, upstream, invoker, config, transformer)));
        app.Lifetime.ApplicationStopped.Register(invoker.Dispose);
        return app;
    }

    private sealed class ProviderKeyTransformer(string providerKey) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", providerKey);
        }
    }
}
