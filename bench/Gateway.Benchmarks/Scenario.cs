namespace Gateway.Benchmarks;

/// <summary>One measured workload: where it is sent, which keys it carries, and whether it streams.</summary>
internal sealed record Scenario(string Name, ScenarioTarget Target, KeyWorkload Workload, bool Streaming)
{
    /// <summary>In the order they run: each gateway scenario right after the bare forwarder's with the same workload.</summary>
    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("direct", ScenarioTarget.Direct, KeyWorkload.OneKey, Streaming: false),
        new("direct-stream", ScenarioTarget.Direct, KeyWorkload.OneKey, Streaming: true),
        new("yarp-keys", ScenarioTarget.BareForwarder, KeyWorkload.ManyKeys, Streaming: false),
        new("yarp-hot", ScenarioTarget.BareForwarder, KeyWorkload.OneKey, Streaming: false),
        new("yarp-keys-stream", ScenarioTarget.BareForwarder, KeyWorkload.ManyKeys, Streaming: true),
        new("yarp-hot-stream", ScenarioTarget.BareForwarder, KeyWorkload.OneKey, Streaming: true),
        new("gateway-keys", ScenarioTarget.Gateway, KeyWorkload.ManyKeys, Streaming: false),
        new("gateway-hot", ScenarioTarget.Gateway, KeyWorkload.OneKey, Streaming: false),
        new("gateway-keys-stream", ScenarioTarget.Gateway, KeyWorkload.ManyKeys, Streaming: true),
        new("gateway-hot-stream", ScenarioTarget.Gateway, KeyWorkload.OneKey, Streaming: true),
    ];

    /// <summary>Issue 10's set, and the default: the bare forwarder and the gateway, 50 keys and 1 key, streamed and not.</summary>
    public static IReadOnlyList<Scenario> Issue10 { get; } = [.. All.Where(s => s.Target != ScenarioTarget.Direct)];

    /// <summary>Names that stand for several scenarios, and older names kept so earlier command lines still work.</summary>
    private static readonly Dictionary<string, string[]> Groups = new(StringComparer.OrdinalIgnoreCase)
    {
        ["all"] = [.. All.Select(s => s.Name)],
        ["issue10"] = [.. Issue10.Select(s => s.Name)],
        ["yarp"] = [.. All.Where(s => s.Target == ScenarioTarget.BareForwarder).Select(s => s.Name)],
        ["gateway"] = [.. All.Where(s => s.Target == ScenarioTarget.Gateway).Select(s => s.Name)],
        ["gateway-stream"] = ["gateway-keys-stream"],
    };

    public static IReadOnlyList<string> GroupNames => [.. Groups.Keys];

    /// <summary>The scenarios a name stands for, or null when it names none.</summary>
    public static IReadOnlyList<Scenario>? Resolve(string name) =>
        Groups.TryGetValue(name, out var names)
            ? [.. names.Select(n => All.First(s => s.Name == n))]
            : All.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } one ? [one] : null;

    public string Describe(int keys) =>
        (Target switch
        {
            ScenarioTarget.Direct => "simulator, direct",
            ScenarioTarget.BareForwarder => "bare forwarder",
            _ => "gateway",
        })
        + (Target == ScenarioTarget.Direct ? "" : Workload == KeyWorkload.ManyKeys ? $", {keys} keys" : ", 1 key")
        + (Streaming ? ", streamed" : "");

    /// <summary>What a gateway scenario is compared to: the bare forwarder under the same load, else the simulator called directly.</summary>
    public Scenario? Floor(IReadOnlyCollection<Scenario> ran) =>
        Target != ScenarioTarget.Gateway
            ? null
            : ran.FirstOrDefault(s => s.Target == ScenarioTarget.BareForwarder && s.Workload == Workload && s.Streaming == Streaming)
              ?? ran.FirstOrDefault(s => s.Target == ScenarioTarget.Direct && s.Streaming == Streaming);
}
