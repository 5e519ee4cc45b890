using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Upstreams;

/// <summary>One tuned <see cref="SocketsHttpHandler"/> shared by every upstream call, and each upstream's transformer.</summary>
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
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        });
        OpenAI = new UpstreamTransformer(upstreams.Value.OpenAI, anthropic: false);
        Anthropic = new UpstreamTransformer(upstreams.Value.Anthropic, anthropic: true);
        RequestConfig = new ForwarderRequestConfig { ActivityTimeout = frontend.Value.RequestTimeout };
    }

    public HttpMessageInvoker Invoker { get; }
    public UpstreamTransformer OpenAI { get; }
    public UpstreamTransformer Anthropic { get; }
    public ForwarderRequestConfig RequestConfig { get; }

    public void Dispose() => Invoker.Dispose();
}
