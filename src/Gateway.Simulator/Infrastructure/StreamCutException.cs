namespace Gateway.Simulator.Infrastructure;

/// <summary>
/// Ends a stream on purpose without its end. HttpContext.Abort() would reset the connection at once and
/// drop chunks Kestrel has flushed but not yet sent, so a test could not rely on receiving exactly N chunks.
/// An exception escaping after the response started makes Kestrel close the connection once everything
/// written has gone out, without the terminating chunk: to the client it is the same broken stream.
/// </summary>
internal sealed class StreamCutException(int contentChunks)
    : Exception($"Stream cut on purpose after {contentChunks} content chunk(s) (x-sim-cut-after / [sim:cut]); the client sees the connection end mid-response.")
{
    public int ContentChunks { get; } = contentChunks;
}
