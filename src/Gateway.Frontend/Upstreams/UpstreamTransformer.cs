using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// Swaps the caller's gateway key for the provider's key: the gateway key never leaves the gateway.
/// Asks for an uncompressed response so usage can be read as it streams past.
/// </summary>
public sealed class UpstreamTransformer(UpstreamOptions upstream, bool anthropic) : HttpTransformer
{
    public string BaseUrl { get; } = upstream.BaseUrl.TrimEnd('/');

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Headers.Remove("Authorization");
        proxyRequest.Headers.Remove("x-api-key");
        proxyRequest.Headers.Remove("Cookie");
        proxyRequest.Headers.AcceptEncoding.Clear();
        proxyRequest.Headers.Host = null;
        if (!string.IsNullOrEmpty(upstream.ApiKey))
        {
            if (anthropic)
            {
                proxyRequest.Headers.TryAddWithoutValidation("x-api-key", upstream.ApiKey);
            }
            else
            {
                proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", upstream.ApiKey);
            }
        }

        if (anthropic && !proxyRequest.Headers.Contains("anthropic-version"))
        {
            proxyRequest.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        }

        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, httpContext.Request.Path, QueryString.Empty);
    }
}
