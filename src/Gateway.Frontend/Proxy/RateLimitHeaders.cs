using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Gateway.Frontend.Proxy;

/// <summary>
/// Rate-limit headers as each provider's clients read them, carrying the gateway's own limits (the
/// tighter of the key's and its user's or team's): OpenAI's <c>x-ratelimit-*</c>, Anthropic's
/// <c>anthropic-ratelimit-*</c>. They replace the upstream's, which describe the shared provider
/// account rather than the caller.
/// </summary>
public static class RateLimitHeaders
{
    public static void Write(IHeaderDictionary headers, ApiDialect dialect, RateUsage rate)
    {
        var (requestsLimit, requestsRemaining, tokensLimit, tokensRemaining) = dialect == ApiDialect.Anthropic
            ? ("anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-tokens-limit", "anthropic-ratelimit-tokens-remaining")
            : ("x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens");
        Set(headers, requestsLimit, rate.Rpm);
        Set(headers, requestsRemaining, rate.RequestsRemaining);
        Set(headers, tokensLimit, rate.Tpm);
        Set(headers, tokensRemaining, rate.TokensRemaining);
    }

    private static void Set(IHeaderDictionary headers, string name, long? value)
    {
        if (value is { } v)
        {
            headers[name] = v.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            headers.Remove(name);
        }
    }
}
