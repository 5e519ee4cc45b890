using System.Text.Json.Serialization.Metadata;
using Gateway.Simulator.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Simulator.Endpoints;

/// <summary>
/// Writes one Responses API stream: each event as <c>event: type</c> + <c>data: json</c>, numbered
/// by <c>sequence_number</c> from 0. Content deltas (text and function arguments) are the chunks the
/// chunk-delay and cut controls count.
/// </summary>
internal sealed class ResponseEventWriter(HttpResponse response, SimControls controls, SimulatorStats stats, TimeProvider timeProvider, CancellationToken cancellationToken)
{
    private int _sequence;
    private int _chunks;

    public Task WriteAsync<T>(string type, Func<int, T> build, JsonTypeInfo<T> typeInfo) =>
        SseWriter.WriteEventAsync(response, type, build(_sequence++), typeInfo, cancellationToken);

    /// <summary>One content delta, after the chunk delay; the connection ends here instead once the cut control's count is reached.</summary>
    public async Task WriteChunkAsync<T>(string type, Func<int, T> build, JsonTypeInfo<T> typeInfo)
    {
        CutIfDue(_chunks == controls.CutAfterChunks);
        await SimDelay.WaitAsync(timeProvider, controls.ChunkDelayMs, cancellationToken);
        await WriteAsync(type, build, typeInfo);
        _chunks++;
    }

    /// <summary>Before the final event: a cut control that asked for more chunks than there were still ends the stream here.</summary>
    public Task BeforeEndAsync()
    {
        CutIfDue(controls.CutAfterChunks is not null);
        return SimDelay.WaitAsync(timeProvider, controls.ChunkDelayMs, cancellationToken);
    }

    private void CutIfDue(bool due)
    {
        if (due)
        {
            stats.Cut();
            throw new StreamCutException(_chunks);
        }
    }
}
