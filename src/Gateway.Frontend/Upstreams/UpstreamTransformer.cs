using System.Net;
using Gateway.Frontend.Proxy;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// One attempt at one deployment. Builds the upstream request's headers from scratch rather than
/// copying the caller's: the allow-list of <see cref="HeaderPolicy"/>, then the upstream's own
/// credentials. The gateway key never leaves the gateway, and no caller header chooses who pays.
/// No <c>Accept-Encoding</c> is sent, so the response is uncompressed and usage can be read as it
/// streams past. When another deployment is left to try, an answer that another deployment may
/// serve better (408, 429, 5xx) is not passed on: its body is dropped and the caller sees nothing of it.
/// </summary>
public sealed class UpstreamTransformer(HeaderPolicy headers, ApiDialect dialect, Upstream upstream, string deployment, bool canFailOver) : HttpTransformer
{
    /// <summary>The status of an answer held back so the next deployment can be tried; null when passed on.</summary>
    public int? HeldBackStatus { get; private set; }

    /// <summary>Statuses another deployment may not answer with: rate limits, overload, server errors.</summary>
    public static bool WorthFailingOver(int status) => status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        // Deliberately not base.TransformRequestAsync: it copies every caller header but hop-by-hop ones.
        headers.CopyAllowed(httpContext.Request, proxyRequest, dialect);
        await upstream.AuthenticateAsync(proxyRequest, cancellationToken);
        proxyRequest.RequestUri = upstream.Address(httpContext.Request, deployment);
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (canFailOver && proxyResponse is not null && WorthFailingOver((int)proxyResponse.StatusCode))
        {
            HeldBackStatus = (int)proxyResponse.StatusCode;
            return ValueTask.FromResult(false);
        }

        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }
}
