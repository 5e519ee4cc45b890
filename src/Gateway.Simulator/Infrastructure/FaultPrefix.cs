using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Faults asked for by the base URL instead of a header or directive, so a gateway upstream can be
/// configured to fail: <c>/_fault/429/v1/chat/completions</c> answers 429, <c>/_fault/slow5000/…</c>
/// waits 5 s before answering normally. Prefixes chain (<c>/_fault/slow100/_fault/503/…</c>).
/// </summary>
/// <param name="Status">The status to answer with, 400 to 599, instead of serving the path.</param>
/// <param name="DelayMs">How long to hold the response headers back.</param>
/// <param name="Spec">The prefixes as written, without <c>/_fault/</c>, joined by <c>/</c>: what the request log shows.</param>
internal sealed partial record FaultPrefix(int? Status, int DelayMs, string Spec)
{
    public const string Segment = "/_fault";

    /// <summary>An hour, like the other delay controls: long enough for any timeout test, short enough that a typo cannot hang a run.</summary>
    private const int MaxDelayMs = 3_600_000;

    /// <summary>
    /// Takes one <c>/_fault/{spec}</c> off the front of <paramref name="path"/>; false (and the path
    /// untouched) when it has none, or one the simulator does not understand, which then matches no route.
    /// </summary>
    public static bool TryTake(PathString path, FaultPrefix? before, [NotNullWhen(true)] out FaultPrefix? fault, out PathString taken, out PathString rest)
    {
        fault = null;
        taken = rest = default;
        if (!path.StartsWithSegments(Segment, StringComparison.Ordinal, out var afterSegment) || afterSegment.Value is not { Length: > 1 } value)
        {
            return false;
        }

        var end = value.IndexOf('/', 1);
        var spec = end < 0 ? value[1..] : value[1..end];
        if (Parse(spec) is not var (status, delayMs))
        {
            return false;
        }

        fault = new FaultPrefix(status ?? before?.Status, (int)Math.Min((long)delayMs + (before?.DelayMs ?? 0), MaxDelayMs),
            before is null ? spec : $"{before.Spec}/{spec}");
        taken = new PathString($"{Segment}/{spec}");
        rest = end < 0 ? new PathString("/") : new PathString(value[end..]);
        return true;
    }

    private static (int? Status, int DelayMs)? Parse(string spec)
    {
        if (StatusPattern().IsMatch(spec))
        {
            var status = int.Parse(spec, CultureInfo.InvariantCulture);
            return status is >= 400 and <= 599 ? (status, 0) : null;
        }

        var slow = SlowPattern().Match(spec);
        return slow.Success ? (null, (int)Math.Min(long.Parse(slow.Groups["ms"].ValueSpan, CultureInfo.InvariantCulture), MaxDelayMs)) : null;
    }

    [GeneratedRegex("^[0-9]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex StatusPattern();

    [GeneratedRegex("^slow(?<ms>[0-9]{1,10})$", RegexOptions.CultureInvariant)]
    private static partial Regex SlowPattern();
}
