namespace Gateway.Benchmarks;

/// <summary>One measured workload: where it is sent, whether it streams, and how its requests pick keys.</summary>
internal sealed record Scenario(string Name, string Description, ScenarioTarget Target, bool Streaming)
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("direct", "simulator, direct", ScenarioTarget.Direct, Streaming: false),
        new("gateway-keys", "gateway, many keys", ScenarioTarget.GatewayManyKeys, Streaming: false),
        new("gateway-hot", "gateway, one hot key", ScenarioTarget.GatewayHotKey, Streaming: false),
        new("direct-stream", "simulator, direct, streamed", ScenarioTarget.Direct, Streaming: true),
        new("gateway-stream", "gateway, many keys, streamed", ScenarioTarget.GatewayManyKeys, Streaming: true),
    ];

    /// <summary>Each gateway scenario is compared with the direct one that sends the same bodies.</summary>
    public Scenario? Baseline => Target == ScenarioTarget.Direct ? null : All.First(s => s.Target == ScenarioTarget.Direct && s.Streaming == Streaming);

    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
