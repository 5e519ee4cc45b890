using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Test controls for one request. Each is read from a request header first, then from a
/// <c>[sim:name=value]</c> directive in the last user message, then from <see cref="SimulatorOptions"/>:
/// headers let a test drive the simulator through a gateway that forwards them, directives let it do
/// so through one that does not. Cut applies to streams only; stall delays a whole response like latency.
/// <see cref="IgnoreMaxTokens"/> is a flag: header value 1, or the directive <c>[sim:ignore-max-tokens]</c>.
/// <see cref="CachedTokens"/> is read by /v1/responses, /v1/chat/completions and /v1/messages (Anthropic's
/// cache reads); <see cref="ReasoningTokens"/> by /v1/responses and /v1/chat/completions;
/// <see cref="CacheWrite5mTokens"/> and <see cref="CacheWrite1hTokens"/> by /v1/messages only;
/// <see cref="Tool"/> by /v1/responses only, and it names a function (<c>x-sim-tool</c>, <c>[sim:tool=name]</c>), not a number.
/// </summary>
internal sealed partial record SimControls(
    int LatencyMs,
    int? ErrorStatus,
    int? CutAfterChunks,
    int? Tokens,
    int StallMs,
    int ChunkDelayMs,
    bool IgnoreMaxTokens,
    int CachedTokens,
    int ReasoningTokens,
    string? Tool,
    int CacheWrite5mTokens,
    int CacheWrite1hTokens)
{
    public const string LatencyHeader = "x-sim-latency-ms";
    public const string ErrorHeader = "x-sim-error";
    public const string CutAfterHeader = "x-sim-cut-after";
    public const string TokensHeader = "x-sim-tokens";
    public const string StallHeader = "x-sim-stall-ms";
    public const string ChunkDelayHeader = "x-sim-chunk-delay-ms";
    public const string IgnoreMaxTokensHeader = "x-sim-ignore-max-tokens";
    public const string IgnoreMaxTokensDirective = "[sim:ignore-max-tokens]";
    public const string CachedTokensHeader = "x-sim-cached-tokens";
    public const string ReasoningTokensHeader = "x-sim-reasoning-tokens";
    public const string ToolHeader = "x-sim-tool";
    public const string CacheWrite5mHeader = "x-sim-cache-write-5m";
    public const string CacheWrite1hHeader = "x-sim-cache-write-1h";

    /// <summary>An hour: long enough for any timeout test, short enough that a typo cannot hang a run forever.</summary>
    private const int MaxDelayMs = 3_600_000;

    public static SimControls Resolve(HttpRequest request, string? prompt, SimulatorOptions options)
    {
        var directives = ParseDirectives(prompt);

        int? Pick(string header, string directive, int max)
        {
            if (request.Headers.TryGetValue(header, out var values)
                && int.TryParse(values.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var fromHeader))
            {
                return Math.Min(fromHeader, max);
            }

            return directives.TryGetValue(directive, out var fromDirective) ? Math.Min(fromDirective, max) : null;
        }

        var error = Pick(ErrorHeader, "error", 599);
        return new SimControls(
            LatencyMs: Pick(LatencyHeader, "latency", MaxDelayMs) ?? Math.Max(0, options.LatencyMs),
            ErrorStatus: error is >= 400 and <= 599 ? error : null,
            CutAfterChunks: Pick(CutAfterHeader, "cut", int.MaxValue),
            Tokens: Pick(TokensHeader, "tokens", CompletionText.MaxTokens),
            StallMs: Pick(StallHeader, "stall", MaxDelayMs) ?? 0,
            ChunkDelayMs: Pick(ChunkDelayHeader, "chunkdelay", MaxDelayMs) ?? Math.Max(0, options.ChunkDelayMs),
            IgnoreMaxTokens: request.Headers.TryGetValue(IgnoreMaxTokensHeader, out var ignore)
                ? ignore.ToString() == "1"
                : prompt?.Contains(IgnoreMaxTokensDirective, StringComparison.OrdinalIgnoreCase) == true,
            CachedTokens: Pick(CachedTokensHeader, "cached", CompletionText.MaxTokens) ?? 0,
            ReasoningTokens: Pick(ReasoningTokensHeader, "reasoning", CompletionText.MaxTokens) ?? 0,
            Tool: request.Headers.TryGetValue(ToolHeader, out var tool) && tool.ToString() is { Length: > 0 } toolName
                ? toolName
                : ToolDirective(prompt),
            CacheWrite5mTokens: Pick(CacheWrite5mHeader, "cache-write-5m", CompletionText.MaxTokens) ?? 0,
            CacheWrite1hTokens: Pick(CacheWrite1hHeader, "cache-write-1h", CompletionText.MaxTokens) ?? 0);
    }

    /// <summary>The function named by the last <c>[sim:tool=name]</c> in the prompt, if any.</summary>
    private static string? ToolDirective(string? prompt)
    {
        if (string.IsNullOrEmpty(prompt) || !prompt.Contains("[sim:tool=", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var matches = ToolPattern().Matches(prompt);
        return matches.Count == 0 ? null : matches[^1].Groups["name"].Value;
    }

    private static Dictionary<string, int> ParseDirectives(string? prompt)
    {
        var found = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(prompt) || !prompt.Contains("[sim:", StringComparison.OrdinalIgnoreCase))
        {
            return found;
        }

        foreach (Match match in DirectivePattern().Matches(prompt))
        {
            if (int.TryParse(match.Groups["value"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                // Later directives win, as if the user had corrected themselves.
                found[match.Groups["name"].Value] = value;
            }
        }

        return found;
    }

    [GeneratedRegex(@"\[sim:(?<name>[a-z][a-z0-9_-]*)=(?<value>\d{1,10})\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DirectivePattern();

    // Function names as the API allows them: letters, digits, underscores and dashes, up to 64.
    [GeneratedRegex(@"\[sim:tool=(?<name>[A-Za-z0-9_-]{1,64})\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ToolPattern();
}
