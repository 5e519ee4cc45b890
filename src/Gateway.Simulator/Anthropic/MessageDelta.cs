namespace Gateway.Simulator.Anthropic;

internal sealed record MessageDelta(string StopReason)
{
    public string? StopSequence => null;
}
