using System.Text.Json;

namespace Gateway.Cli.Api;

/// <summary>The gateway answered, but not with success. <see cref="Exception.Message"/> is ready to show.</summary>
internal sealed class AdminApiException(int statusCode, string message, ApiProblem? problem) : Exception(message)
{
    // Longer bodies are HTML error pages from a proxy in front of the gateway, not messages.
    private const int MaxPlainTextLength = 200;

    public int StatusCode { get; } = statusCode;

    public ApiProblem? Problem { get; } = problem;

    public static AdminApiException FromResponse(int statusCode, string? reasonPhrase, string? mediaType, string body)
    {
        var problem = TryParseProblem(mediaType, body);
        var message = NullIfBlank(problem?.Detail)
            ?? NullIfBlank(problem?.Title)
            ?? PlainText(mediaType, body)
            ?? NullIfBlank(reasonPhrase)
            ?? "request failed";
        return new AdminApiException(statusCode, message, problem);
    }

    private static ApiProblem? TryParseProblem(string? mediaType, string body)
    {
        if (string.IsNullOrWhiteSpace(body) || mediaType is null || !mediaType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(body, CliJsonContext.Default.ApiProblem);
        }
        catch (JsonException)
        {
            // An error about the error is no use to an operator; fall back to the status line.
            return null;
        }
    }

    private static string? PlainText(string? mediaType, string body)
    {
        var text = body.Trim();
        return string.Equals(mediaType, "text/plain", StringComparison.OrdinalIgnoreCase)
            && text.Length is > 0 and <= MaxPlainTextLength
            && !text.Contains('\n')
                ? text
                : null;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
