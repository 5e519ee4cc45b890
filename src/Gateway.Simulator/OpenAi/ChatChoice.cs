using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi;

internal sealed record ChatChoice(int Index, ChatResponseMessage Message, string FinishReason)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public object? Logprobs => null;
}
