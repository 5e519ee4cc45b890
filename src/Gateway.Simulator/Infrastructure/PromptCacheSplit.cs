namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// A prompt's tokens as Anthropic bills them when caching is asked for: read from the cache, written
/// to it for 5 minutes or for 1 hour, and the rest (after the last cache breakpoint). Each part is
/// what the controls ask for, at most what is left of the prompt, in that order.
/// </summary>
internal sealed record PromptCacheSplit(int Uncached, int Read, int Write5m, int Write1h)
{
    public static PromptCacheSplit Of(int promptTokens, SimControls controls)
    {
        var left = Math.Max(0, promptTokens);
        var read = Take(ref left, controls.CachedTokens);
        var write5m = Take(ref left, controls.CacheWrite5mTokens);
        var write1h = Take(ref left, controls.CacheWrite1hTokens);
        return new PromptCacheSplit(left, read, write5m, write1h);

        static int Take(ref int left, int wanted)
        {
            var taken = Math.Min(left, Math.Max(0, wanted));
            left -= taken;
            return taken;
        }
    }
}
