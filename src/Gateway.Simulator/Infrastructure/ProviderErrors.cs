using System.Globalization;
using Gateway.Simulator.Anthropic;
using Gateway.Simulator.Azure;
using Gateway.Simulator.OpenAi;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>Error bodies exactly as each provider shapes them, so SDKs raise their typed exceptions.</summary>
internal static class ProviderErrors
{
    public static ProviderFormat FormatOf(HttpRequest request) =>
        AzureRequest.IsAzurePath(request.Path) ? ProviderFormat.Azure
        : request.Path.StartsWithSegments("/v1/messages", StringComparison.OrdinalIgnoreCase) || request.Headers.ContainsKey("anthropic-version") ? ProviderFormat.Anthropic
        : ProviderFormat.OpenAi;

    /// <summary>An error whose type follows from the status, as for validation failures and simulated faults.</summary>
    public static Task WriteAsync(HttpContext context, ProviderFormat format, int status, string? message = null, string? param = null, string? code = null)
    {
        if (status == StatusCodes.Status429TooManyRequests)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        return format switch
        {
            ProviderFormat.Anthropic => WriteAnthropicAsync(context, status, AnthropicType(status), message ?? DefaultMessage(status)),
            ProviderFormat.Azure when IsAzureFrontDoor(status) => WriteAzureAsync(context, status, status.ToString(CultureInfo.InvariantCulture), message ?? AzureMessage(context, status)),
            // Behind Azure's front door the model service answers the rest in OpenAI's shape.
            _ => WriteOpenAiAsync(context, status, message ?? DefaultMessage(status), OpenAiType(status), param, code ?? OpenAiCode(status)),
        };
    }

    /// <summary>Statuses Azure's front door answers itself, in <c>{"error":{"code","message"}}</c> with the status as the code.</summary>
    public static bool IsAzureFrontDoor(int status) =>
        status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status404NotFound or StatusCodes.Status429TooManyRequests;

    public static Task WriteAzureAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new AzureErrorBody(new AzureError(code, message)),
            WireJson.Azure.AzureErrorBody,
            contentType: null,
            context.RequestAborted);
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

    private static string AzureMessage(HttpContext context, int status) => status switch
    {
        StatusCodes.Status401Unauthorized => AccessDenied,
        StatusCodes.Status403Forbidden => "Principal does not have access to API/Operation (simulated).",
        StatusCodes.Status404NotFound => ResourceNotFound,
        _ => $"Requests to the Azure OpenAI API version {context.Features.Get<AzureRequest>()?.ApiVersion ?? "v1"} have exceeded the rate limit of your current pricing tier (simulated). Please retry after 1 second.",
    };

    /// <summary>Azure's 401 for a missing or wrong <c>api-key</c>.</summary>
    public const string AccessDenied =
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";

    /// <summary>Azure's 401 for a Bearer token it does not accept.</summary>
    public const string TokenRejected =
        "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.";

    /// <summary>Azure's 404 for a URL it does not serve, a classic one without <c>api-version</c> included.</summary>
    public const string ResourceNotFound = "Resource not found";

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
