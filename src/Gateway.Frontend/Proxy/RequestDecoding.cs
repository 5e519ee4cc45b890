using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Compressed request bodies on the proxy routes: gzip, deflate and br are decoded as the proxy
/// reads them (ASP.NET Core's request decompression), so the JSON is parsed, priced and forwarded
/// plain, without <c>Content-Encoding</c>. Any other encoding is left in place for the header check
/// to refuse with 415. A decompression bomb stops at <see cref="FrontendOptions.MaxRequestBodyBytes"/>
/// of decoded bytes (413), and a body that is not what its encoding says gets 400, both in the
/// caller's API format.
/// </summary>
public static class RequestDecoding
{
    /// <summary>Needs <c>AddRequestDecompression()</c>, which <c>AddProxy()</c> registers.</summary>
    public static IApplicationBuilder UseProxyRequestDecoding(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/v1") && context.Request.Headers.ContainsKey(HeaderNames.ContentEncoding),
            branch => branch.Use(BoundAndRefuseCorruptAsync).UseRequestDecompression().Use(WrapDecoded));

    private static Task WrapDecoded(HttpContext context, RequestDelegate next)
    {
        // The decompression middleware removes the Content-Encoding it decoded; one still here it could not decode.
        if (!context.Request.Headers.ContainsKey(HeaderNames.ContentEncoding))
        {
            context.Request.Body = new DecodedBodyStream(context.Request.Body);
        }

        return next(context);
    }

    private static async Task BoundAndRefuseCorruptAsync(HttpContext context, RequestDelegate next)
    {
        // The decompression middleware bounds the decoded body by this limit (Kestrel's default
        // otherwise), so decoded and plain bodies share the proxy's limit.
        var limit = context.RequestServices.GetRequiredService<IOptions<FrontendOptions>>().Value.MaxRequestBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit + 1;
        }

        try
        {
            await next(context);
        }
        catch (InvalidDataException) when (!context.Response.HasStarted)
        {
            // Only the Anthropic routes live under /v1/messages; every other proxy route speaks OpenAI's format.
            var dialect = context.Request.Path.StartsWithSegments("/v1/messages") ? ApiDialect.Anthropic : ApiDialect.OpenAI;
            context.Response.Clear();
            await ProviderErrors.WriteAsync(context, dialect, 400, "The request body could not be decoded: it is not valid data in the Content-Encoding it was sent with.", "invalid_body_encoding");
        }
    }
}
