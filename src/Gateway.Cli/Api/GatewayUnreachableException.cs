namespace Gateway.Cli.Api;

/// <summary>No HTTP response at all: refused connection, DNS or TLS failure, timeout.</summary>
internal sealed class GatewayUnreachableException(string baseUrl, string message, Exception innerException)
    : Exception(message, innerException)
{
    public string BaseUrl { get; } = baseUrl;
}
