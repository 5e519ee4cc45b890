using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Upstreams;

public sealed partial class UpstreamsOptionsValidator : IValidateOptions<UpstreamsOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamsOptions options)
    {
        var failures = new List<string>();
        foreach (var (upstreamName, upstream) in options.All)
        {
            Check(upstreamName, upstream);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(string name, UpstreamOptions upstream)
        {
            var prefix = $"{UpstreamsOptions.Section}:{name}";
            var isOpenAIDefault = string.Equals(name, nameof(UpstreamsOptions.OpenAI), StringComparison.OrdinalIgnoreCase);
            var isAnthropicDefault = string.Equals(name, nameof(UpstreamsOptions.Anthropic), StringComparison.OrdinalIgnoreCase);
            if (!UpstreamName().IsMatch(name))
            {
                failures.Add($"{prefix}: an upstream's name is 1 to 64 letters, digits, '-', '_' or '.'.");
            }

            if (upstream.Kind is null && !isOpenAIDefault && !isAnthropicDefault)
            {
                failures.Add($"{prefix}:Kind must be set: one of {string.Join(", ", Enum.GetNames<UpstreamKind>())}.");
            }

            var kind = UpstreamRouter.KindOf(name, upstream);
            if (isAnthropicDefault && kind != UpstreamKind.Anthropic)
            {
                failures.Add($"{prefix}:Kind must be Anthropic: it serves requests in Anthropic's format that have no route.");
            }

            if (isOpenAIDefault && kind == UpstreamKind.Anthropic)
            {
                failures.Add($"{prefix}:Kind must take OpenAI's format (OpenAI, AzureOpenAI or OpenAICompatible): it serves requests in OpenAI's format that have no route.");
            }

            if (!Uri.TryCreate(upstream.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{prefix}:BaseUrl must be an absolute http(s) URL, got '{upstream.BaseUrl}'.");
            }
            else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                // A key in a URL ends up in logs and admin answers; keys go in ApiKey.
                failures.Add($"{prefix}:BaseUrl must have no query string or user info; put credentials in {prefix}:ApiKey.");
            }

            foreach (var (setting, value) in new[] { ("Organization", upstream.Organization), ("Project", upstream.Project) })
            {
                if (string.IsNullOrEmpty(value))
                {
                    continue;
                }

                if (kind != UpstreamKind.OpenAI)
                {
                    failures.Add($"{prefix}:{setting} has no meaning for {kind}: only OpenAI has organisation and project headers.");
                }
                else if (!IsToken(value))
                {
                    failures.Add($"{prefix}:{setting} must be an id of visible ASCII characters without spaces or commas, got '{value}'.");
                }
            }

            if (upstream.ApiKey is { Length: > 0 } key && !IsHeaderValue(key))
            {
                // Said without the value: it is a secret.
                failures.Add($"{prefix}:ApiKey must be visible ASCII without spaces (the configured value is not shown).");
            }

            if (upstream.Auth == UpstreamAuth.EntraId && kind != UpstreamKind.AzureOpenAI)
            {
                failures.Add($"{prefix}:Auth EntraId is for AzureOpenAI upstreams; a {kind} upstream takes an ApiKey.");
            }

            if (kind == UpstreamKind.AzureOpenAI && upstream.ApiVersion != "v1" && !ApiVersion().IsMatch(upstream.ApiVersion ?? ""))
            {
                failures.Add($"{prefix}:ApiVersion must be an Azure OpenAI data-plane version such as {UpstreamOptions.DefaultAzureApiVersion} or 2025-04-01-preview, or v1; got '{upstream.ApiVersion}'.");
            }

            if (upstream.Timeout is { } timeout && (timeout < TimeSpan.FromMilliseconds(10) || timeout > TimeSpan.FromHours(24)))
            {
                failures.Add($"{prefix}:Timeout must be from 00:00:00.010 to 1.00:00:00, got {timeout}.");
            }

            var breaker = upstream.CircuitBreaker;
            if (breaker.Enabled && (breaker.FailureRatio is <= 0 or > 1 || breaker.MinimumThroughput < 2
                || breaker.SamplingDuration < TimeSpan.FromMilliseconds(500) || breaker.BreakDuration < TimeSpan.FromMilliseconds(500)))
            {
                failures.Add($"{prefix}:CircuitBreaker needs FailureRatio above 0 and at most 1, MinimumThroughput of at least 2, and SamplingDuration and BreakDuration of at least 00:00:00.5.");
            }

            if (!isOpenAIDefault && !isAnthropicDefault && upstream.AllowedBetas is { Length: > 0 })
            {
                failures.Add($"{prefix}:AllowedBetas is read from {UpstreamsOptions.Section}:OpenAI and :Anthropic only, and applies to every request in that API's format.");
            }

            foreach (var beta in upstream.AllowedBetas ?? [])
            {
                if (!IsToken(beta))
                {
                    failures.Add($"{prefix}:AllowedBetas must hold one beta name per item (visible ASCII, no spaces or commas), got '{beta}'.");
                }
            }
        }
    }

    /// <summary>Safe to send as, or within a comma-separated list of, header values.</summary>
    private static bool IsToken(string? value) =>
        !string.IsNullOrEmpty(value) && value.All(c => c is > ' ' and < (char)0x7F and not ',');

    private static bool IsHeaderValue(string value) => value.All(c => c is > ' ' and < (char)0x7F);

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex UpstreamName();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(-preview)?$")]
    private static partial Regex ApiVersion();
}
