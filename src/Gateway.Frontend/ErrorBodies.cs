using Gateway.Frontend.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Frontend;

/// <summary>
/// No error leaves the gateway with an empty body or a stack trace: an unrouted path, a wrong
/// method, a query parameter that does not bind and an unhandled exception all answer in the
/// caller's format (the provider's error JSON under <c>/v1</c>, problem details elsewhere).
/// </summary>
public static partial class ErrorBodies
{
    public static IApplicationBuilder UseGatewayErrorBodies(this IApplicationBuilder app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = async context =>
            {
                var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
                var logger = context.RequestServices.GetService(typeof(ILogger<ExceptionHandlerOptions>)) as ILogger;
                if (logger is not null && exception is not null)
                {
                    LogUnhandled(logger, context.Request.Method, context.Request.Path, exception);
                }

                await WriteAsync(context, StatusCodes.Status500InternalServerError, "The gateway failed to handle this request; nothing was sent upstream by this failure. It has been logged.");
            },
        });
        app.UseStatusCodePages(context => WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode, null));
        return app;
    }

    private static Task WriteAsync(HttpContext context, int status, string? message)
    {
        var path = context.Request.Path;
        message ??= status switch
        {
            StatusCodes.Status404NotFound => $"Unknown route: {context.Request.Method} {path}.",
            StatusCodes.Status405MethodNotAllowed => $"{path} does not accept {context.Request.Method}.",
            StatusCodes.Status400BadRequest => "The request's query string or route values are not valid for this route.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json.",
            _ => $"The request failed with status {status}.",
        };

        if (path.StartsWithSegments("/v1"))
        {
            return ProviderErrors.WriteAsync(context, DialectOf(context.Request), status, message, status switch
            {
                StatusCodes.Status404NotFound => "unknown_url",
                StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
                _ => null,
            });
        }

        return Results.Problem(message, statusCode: status).ExecuteAsync(context);
    }

    /// <summary>Anthropic's format for its own routes and for callers that speak its headers; OpenAI's otherwise.</summary>
    public static ApiDialect DialectOf(HttpRequest request) =>
        request.Path.StartsWithSegments("/v1/messages") || request.Headers.ContainsKey("x-api-key") || request.Headers.ContainsKey("anthropic-version")
            ? ApiDialect.Anthropic
            : ApiDialect.OpenAI;

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, string method, string path, Exception exception);
}
