namespace Gateway.Simulator.OpenAi;

internal sealed record ModelInfo(string Id, long Created, string OwnedBy)
{
    public string Object => "model";
}
