namespace Gateway.Cli;

/// <summary>Connection settings after merging command-line options over environment variables.</summary>
internal sealed record CliSettings(Uri BaseUrl, string AdminKey, bool Json)
{
    public const string DefaultUrl = "http://127.0.0.1:8080";
    public const string UrlVariable = "GATEWAY_URL";
    public const string AdminKeyVariable = "GATEWAY_ADMIN_KEY";
}
