namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// A request the real provider would reject. Thrown from deep inside parsing so handlers stay linear;
/// the middleware turns it into the provider's error body with <see cref="StatusCode"/>.
/// </summary>
internal sealed class InvalidSimRequestException(string message, string? param = null, int statusCode = 400, string? code = null)
    : Exception(message)
{
    public string? Param { get; } = param;

    public int StatusCode { get; } = statusCode;

    /// <summary>OpenAI's machine-readable code, e.g. model_not_found; Anthropic has none.</summary>
    public string? Code { get; } = code;
}
