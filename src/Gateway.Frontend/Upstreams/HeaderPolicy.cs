using System.Collections.Frozen;
using Gateway.Frontend.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Gateway.Frontend.Upstreams;

/// <summary>
/// Which of a caller's request headers reach the provider: an allow-list, because anything else
/// could choose who pays (<c>OpenAI-Organization</c>, <c>OpenAI-Project</c>, a provider key in
/// <c>api-key</c>), switch on a feature billed differently (a beta), or tell the provider things
/// about the caller's network (<c>X-Forwarded-*</c>, <c>Forwarded</c>, <c>X-Real-IP</c>).
/// <see cref="Check"/> runs before anything is reserved, so a refused header costs nothing;
/// <see cref="CopyAllowed"/> builds the upstream request's headers from the allow-list alone.
/// </summary>
public sealed class HeaderPolicy
{
    public const string AnthropicVersionHeader = "anthropic-version";
    public const string AnthropicBetaHeader = "anthropic-beta";
    public const string OpenAIBetaHeader = "OpenAI-Beta";

    /// <summary>Sent when the caller names no version: what every Anthropic SDK sends.</summary>
    public const string DefaultAnthropicVersion = "2023-06-01";

    /// <summary>
    /// The Anthropic API versions whose responses the gateway reads usage from: 2023-06-01 (the
    /// JavaScript and Python SDKs, Claude Code), 2023-01-01, and 2026-10-21 (the official C# SDK,
    /// Anthropic 13.14.0, whose streams carry usage in the same <c>message_start</c> and
    /// <c>message_delta</c> events). A new version may change that wire format, so accepting one is
    /// a code change with a test, not a setting.
    /// </summary>
    public static IReadOnlyList<string> AnthropicVersions { get; } = [DefaultAnthropicVersion, "2023-01-01", "2026-10-21"];

    /// <summary>
    /// Caller headers forwarded as sent, whatever the API: the body's type, what the caller accepts,
    /// which tool is calling, the W3C trace context, and the caller's retry token. SDK telemetry
    /// (<c>x-stainless-*</c>) and tool session headers are not: they describe the caller's machine
    /// and session, not the request, and nothing at the provider depends on them.
    /// </summary>
    public static IReadOnlyList<string> PassedThrough { get; } =
        [HeaderNames.ContentType, HeaderNames.Accept, HeaderNames.UserAgent, "traceparent", "tracestate", "Idempotency-Key"];

    private static readonly FrozenSet<string> KnownAnthropicVersions = AnthropicVersions.ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenSet<string> _anthropicBetas;
    private readonly FrozenSet<string> _openAIBetas;

    public HeaderPolicy(UpstreamsOptions options)
    {
        _anthropicBetas = (options.Anthropic.AllowedBetas ?? []).ToFrozenSet(StringComparer.Ordinal);
        _openAIBetas = (options.OpenAI.AllowedBetas ?? []).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Null when the request's headers may go upstream (after <see cref="CopyAllowed"/> filters them); else why not.</summary>
    public HeaderRefusal? Check(HttpRequest request, ApiDialect dialect)
    {
        // The request decompression middleware removes the encodings it decoded; any still here it could not.
        var encoding = request.Headers.ContentEncoding;
        if (!StringValues.IsNullOrEmpty(encoding) && !encoding.All(e => string.Equals(e?.Trim(), "identity", StringComparison.OrdinalIgnoreCase)))
        {
            return new HeaderRefusal(415,
                $"Content-Encoding '{encoding}' is not supported by this gateway. Send the body uncompressed, or encoded as gzip, deflate or br.",
                "unsupported_content_encoding");
        }

        if (dialect == ApiDialect.Anthropic)
        {
            var version = request.Headers[AnthropicVersionHeader];
            if (version.Count > 0 && (version.Count > 1 || !KnownAnthropicVersions.Contains(version.ToString().Trim())))
            {
                return new HeaderRefusal(400,
                    $"anthropic-version '{version}' is not supported by this gateway. Use one of: {string.Join(", ", AnthropicVersions)} (or omit it for {DefaultAnthropicVersion}).",
                    "invalid_header");
            }

            return CheckBetas(request, AnthropicBetaHeader, _anthropicBetas, "Anthropic");
        }

        return CheckBetas(request, OpenAIBetaHeader, _openAIBetas, "OpenAI");
    }

    /// <summary>
    /// Adds to <paramref name="proxyRequest"/> the caller headers that may go upstream: the
    /// pass-through list, the body's length, and for each API its version and allowed betas. Nothing
    /// else the caller sent is copied; credentials, organisation and project are the upstream's.
    /// </summary>
    public void CopyAllowed(HttpRequest request, HttpRequestMessage proxyRequest, ApiDialect dialect)
    {
        foreach (var name in PassedThrough)
        {
            if (request.Headers.TryGetValue(name, out var value) && !StringValues.IsNullOrEmpty(value))
            {
                // Content-Type belongs to the body's headers; the rest to the request's.
                if (!proxyRequest.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value))
                {
                    proxyRequest.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
                }
            }
        }

        if (proxyRequest.Content is { } content && request.ContentLength is { } length)
        {
            content.Headers.ContentLength = length;
        }

        if (dialect == ApiDialect.Anthropic)
        {
            var version = request.Headers[AnthropicVersionHeader].ToString().Trim();
            proxyRequest.Headers.TryAddWithoutValidation(AnthropicVersionHeader, KnownAnthropicVersions.Contains(version) ? version : DefaultAnthropicVersion);
            AddBetas(request, proxyRequest, AnthropicBetaHeader, _anthropicBetas);
        }
        else
        {
            AddBetas(request, proxyRequest, OpenAIBetaHeader, _openAIBetas);
        }
    }

    private static HeaderRefusal? CheckBetas(HttpRequest request, string header, FrozenSet<string> allowed, string upstream)
    {
        var refused = Betas(request, header).Where(b => !allowed.Contains(b)).Distinct(StringComparer.Ordinal).ToList();
        if (refused.Count == 0)
        {
            return null;
        }

        // Refused rather than dropped: a beta can change what a request costs, and a silently
        // missing one changes what the caller gets without telling them why.
        return new HeaderRefusal(400,
            $"{header} {string.Join(", ", refused.Select(b => $"'{b}'"))} is not allowed by this gateway, whose prices may not cover it. "
            + $"Ask its operator to add it to {UpstreamsOptions.Section}:{upstream}:AllowedBetas, or leave it out.",
            "invalid_header");
    }

    private static void AddBetas(HttpRequest request, HttpRequestMessage proxyRequest, string header, FrozenSet<string> allowed)
    {
        var betas = Betas(request, header).Where(allowed.Contains).Distinct(StringComparer.Ordinal).ToList();
        if (betas.Count > 0)
        {
            proxyRequest.Headers.TryAddWithoutValidation(header, string.Join(',', betas));
        }
    }

    /// <summary>A beta header is a comma-separated list, possibly over several header lines.</summary>
    private static IEnumerable<string> Betas(HttpRequest request, string header) =>
        request.Headers[header]
            .SelectMany(line => (line ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
}
