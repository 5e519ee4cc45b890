using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Upstreams;

public sealed class UpstreamsOptionsValidator : IValidateOptions<UpstreamsOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamsOptions options)
    {
        var failures = new List<string>();
        Check("OpenAI", options.OpenAI, hasOrganizations: true);
        Check("Anthropic", options.Anthropic, hasOrganizations: false);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(string name, UpstreamOptions upstream, bool hasOrganizations)
        {
            var prefix = $"{UpstreamsOptions.Section}:{name}";
            if (!Uri.TryCreate(upstream.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{prefix}:BaseUrl must be an absolute http(s) URL, got '{upstream.BaseUrl}'.");
            }

            foreach (var (setting, value) in new[] { ("Organization", upstream.Organization), ("Project", upstream.Project) })
            {
                if (string.IsNullOrEmpty(value))
                {
                    continue;
                }

                if (!hasOrganizations)
                {
                    failures.Add($"{prefix}:{setting} has no meaning for {name}: only OpenAI has organisation and project headers.");
                }
                else if (!IsToken(value))
                {
                    failures.Add($"{prefix}:{setting} must be an id of visible ASCII characters without spaces or commas, got '{value}'.");
                }
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
}
