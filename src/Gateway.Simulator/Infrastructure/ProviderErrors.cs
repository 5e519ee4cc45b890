using Gateway.Simulator.Anthropic;
using Gateway.Simulator.OpenAi;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>Error bodies exactly as each provider shapes them, so SDKs raise their typed exceptions.</summary>
internal static class ProviderErrors
{
    public static ProviderFormat FormatOf(HttpRequest request) =>
        request.Path.StartsWithSegments("/v1/messages", StringComparison.OrdinalIgnoreCase) || request.Headers.ContainsKey("anthropic-version")
            ? ProviderFormat.Anthropic
            : ProviderFormat.OpenAi;

    /// <summary>An error whose type follows from the status, as for validation failures and simulated faults.</summary>
    public static Task WriteAsync(HttpContext context, ProviderFormat format, int status, string? message = null, string? param = null, string? code = null)
    {
        if (status == StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        return format == ProviderFormat.Anthropic
            ? WriteAnthropicAsync(context, status, AnthropicType(status), message ?? DefaultMessage(status))
            : WriteOpenAiAsync(context, status, message ?? DefaultMessage(status), OpenAiType(status), param, code ?? OpenAiCode(status));
    }

    public static Task WriteOpenAiAsync(HttpContext context, int status, string message, string type, string? param, string? code)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new OpenAiErrorBody(new OpenAiError(message, type, param, code)),
            WireJson.OpenAi.OpenAiErrorBody,
            contentType: null,
            context.RequestAborted);
    }

    public static Task WriteAnthropicAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new AnthropicErrorBody(new AnthropicError(type, message)),
            WireJson.Anthropic.AnthropicErrorBody,
            contentType: null,
            context.RequestAborted);
    }

    /// <summary>OpenAI reports rate limits by the exhausted budget ("requests" or "tokens"), not by a generic type.</summary>
    private static string OpenAiType(int status) => status switch
    {
        StatusCodes.Status429TooManyRequests => "requests",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    private static string? OpenAiCode(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "invalid_api_key",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status429TooManyRequests => "rate_limit_exceeded",
        _ => null,
    };

    private static string AnthropicType(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "not_found_error",
        StatusCodes.Status413PayloadTooLarge => "request_too_large",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        StatusCodes.Status503ServiceUnavailable or 529 => "overloaded_error",
        StatusCodes.Status504GatewayTimeout => "timeout_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    private static string DefaultMessage(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "Simulated bad request.",
        StatusCodes.Status401Unauthorized => "Simulated authentication failure.",
        StatusCodes.Status403Forbidden => "Simulated permission failure.",
        StatusCodes.Status404NotFound => "Simulated not found.",
        StatusCodes.Status429TooManyRequests => "Rate limit reached (simulated). Please try again in 1s.",
        StatusCodes.Status500InternalServerError => "The server had an error while processing your request (simulated).",
        StatusCodes.Status502BadGateway => "Bad gateway (simulated).",
        StatusCodes.Status503ServiceUnavailable or 529 => "The server is overloaded (simulated). Please try again later.",
        StatusCodes.Status504GatewayTimeout => "Upstream timed out (simulated).",
        _ => $"Simulated error {status}.",
    };
}
