using System.Diagnostics;
using System.Net;
using Gateway.Frontend.Proxy;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Upstreams;

/// <summary>One tuned <see cref="SocketsHttpHandler"/> shared by every upstream call, each upstream's transformer, and the header policy they share.</summary>
public sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(IOptions<UpstreamsOptions> upstreams, IOptions<FrontendOptions> frontend)
    {
        Invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = int.MaxValue,
            ActivityHeadersPropagator = new ReverseProxyPropagator(new TraceContextPropagator(DistributedContextPropagator.Current)),
        });
        Headers = new HeaderPolicy(upstreams.Value);
        OpenAI = new UpstreamTransformer(upstreams.Value.OpenAI, ApiDialect.OpenAI, Headers);
        Anthropic = new UpstreamTransformer(upstreams.Value.Anthropic, ApiDialect.Anthropic, Headers);
        RequestConfig = new ForwarderRequestConfig { ActivityTimeout = frontend.Value.RequestTimeout };
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>Which caller headers may reach the upstream; the proxy checks a request against it before reserving anything.</summary>
    public HeaderPolicy Headers { get; }
    public UpstreamTransformer OpenAI { get; }
    public UpstreamTransformer Anthropic { get; }
    public ForwarderRequestConfig RequestConfig { get; }

    public void Dispose() => Invoker.Dispose();
}
