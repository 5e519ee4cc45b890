using System.Net;

namespace Gateway.Benchmarks;

internal static class LoadClient
{
    /// <summary>
    /// One pooled client for every scenario. The connection limit sits far above the worker count so
    /// requests never queue inside the handler, where the wait would be charged to the server.
    /// </summary>
    public static HttpClient Create() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 4096,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
        // An HTTP(S)_PROXY in the environment must not route loopback load through a proxy.
        UseProxy = false,
        UseCookies = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
}
