using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Upstreams;

public sealed class UpstreamsOptionsValidator : IValidateOptions<UpstreamsOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamsOptions options)
    {
        var failures = new List<string>();
        Check("OpenAI", options.OpenAI);
        Check("Anthropic", options.Anthropic);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(string name, UpstreamOptions upstream)
        {
            if (!Uri.TryCreate(upstream.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add($"{UpstreamsOptions.Section}:{name}:BaseUrl must be an absolute http(s) URL, got '{upstream.BaseUrl}'.");
            }
        }
    }
}
