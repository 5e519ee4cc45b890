using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Frontend.Proxy;

/// <summary>Error bodies in the caller's own API format, so SDKs raise their usual exceptions.</summary>
public static class ProviderErrors
{
    public static Task WriteAsync(HttpContext context, ApiDialect dialect, int status, string message, string? code = null, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // SDKs retry 429 and 5xx by default; these refusals will not change on retry.
        // A rate-limit refusal with no wait (a single request over the per-minute limit) will not pass either.
        if ((status is 429 or 503 && code is "insufficient_quota" or "audit_unavailable") || (code == "rate_limit_exceeded" && retryAfter is null))
        {
            response.Headers["x-should-retry"] = "false";
        }

        object body = dialect == ApiDialect.Anthropic
            ? new { type = "error", error = new { type = AnthropicType(status), message } }
            : new { error = new { message, type = OpenAIType(status, code), param = (string?)null, code } };
        return response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    private static string OpenAIType(int status, string? code) => (status, code) switch
    {
        (429, "insufficient_quota") => "insufficient_quota",
        (429, _) => "rate_limit_error",
        (401, _) => "invalid_request_error",
        (403, _) => "permission_error",
        (>= 500, _) => "server_error",
        _ => "invalid_request_error",
    };

    private static string AnthropicType(int status) => status switch
    {
        400 or 415 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 or 529 => "overloaded_error",
        _ => "api_error",
    };
}
