using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// What every generating endpoint does before it answers in its own format: resolve the request's
/// controls, count a stream, wait the first-byte latency, write a scripted error, or generate the answer.
/// </summary>
internal static class SimTurn
{
    /// <summary>The controls and the answer to give; null when a scripted error was written instead.</summary>
    public static async Task<(SimControls Controls, GeneratedText Answer)?> StartAsync(
        HttpContext context, string? promptText, bool stream, int? limit, ProviderFormat format,
        SimulatorOptions options, SimulatorStats stats, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var controls = SimControls.Resolve(context.Request, promptText, options);
        if (stream)
        {
            stats.Stream();
        }

        await SimDelay.WaitAsync(timeProvider, controls.LatencyMs, cancellationToken);
        if (controls.ErrorStatus is { } status)
        {
            await ProviderErrors.WriteAsync(context, format, status);
            return null;
        }

        // A provider that overruns max_tokens (as some do, or a model counting differently) answers in full.
        return (controls, CompletionText.Generate(promptText, controls.Tokens ?? options.DefaultCompletionTokens, controls.IgnoreMaxTokens ? null : limit));
    }
}
