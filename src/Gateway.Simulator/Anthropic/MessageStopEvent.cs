namespace Gateway.Simulator.Anthropic;

internal sealed record MessageStopEvent
{
    public static MessageStopEvent Instance { get; } = new();

    public string Type => "message_stop";
}
