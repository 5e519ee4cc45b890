using System.Net.Http.Headers;
using Gateway.Frontend.Proxy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// Builds the upstream request's headers from scratch rather than copying the caller's: the
/// allow-list of <see cref="HeaderPolicy"/>, then the upstream's own key, organisation and project
/// from configuration. The gateway key never leaves the gateway, and no caller header chooses who pays.
/// No <c>Accept-Encoding</c> is sent, so the response is uncompressed and usage can be read as it streams past.
/// The path and query string are forwarded as the caller sent them.
/// </summary>
public sealed class UpstreamTransformer(UpstreamOptions upstream, ApiDialect dialect, HeaderPolicy headers) : HttpTransformer
{
    public string BaseUrl { get; } = upstream.BaseUrl.TrimEnd('/');

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        // Deliberately not base.TransformRequestAsync: it copies every caller header but hop-by-hop ones.
        headers.CopyAllowed(httpContext.Request, proxyRequest, dialect);
        if (!string.IsNullOrEmpty(upstream.ApiKey))
        {
            if (dialect == ApiDialect.Anthropic)
            {
                proxyRequest.Headers.TryAddWithoutValidation("x-api-key", upstream.ApiKey);
            }
            else
            {
                proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", upstream.ApiKey);
            }
        }

        if (!string.IsNullOrEmpty(upstream.Organization))
        {
            proxyRequest.Headers.TryAddWithoutValidation("OpenAI-Organization", upstream.Organization);
        }

        if (!string.IsNullOrEmpty(upstream.Project))
        {
            proxyRequest.Headers.TryAddWithoutValidation("OpenAI-Project", upstream.Project);
        }

        // The query string goes as it came: Claude Code's ?beta=true, Azure OpenAI's api-version.
        proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, httpContext.Request.Path, httpContext.Request.QueryString);
        return ValueTask.CompletedTask;
    }
}
