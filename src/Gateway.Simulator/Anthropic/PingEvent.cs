namespace Gateway.Simulator.Anthropic;

internal sealed record PingEvent
{
    public static PingEvent Instance { get; } = new();

    public string Type => "ping";
}
