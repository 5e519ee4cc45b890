namespace Gateway.Tests.Infrastructure;

/// <summary>Everything a test gateway is told on its command line; the same arguments start a real process.</summary>
public sealed record GatewaySettings(string TablePrefix, string ClusterId, string SimulatorUrl)
{
    public string Role { get; init; } = "all";
    public int SiloPort { get; init; } = FreePorts.Next();
    public int GatewayPort { get; init; } = FreePorts.Next();
    public string InstanceId { get; init; } = "fe-" + Guid.NewGuid().ToString("N")[..6];
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>Keep the logging levels of the gateway's own appsettings.json, as <c>./run.sh</c> does, rather than the suite's quieter ones.</summary>
    public bool DefaultLogging { get; init; }

    public string[] ToArgs()
    {
        var args = new Dictionary<string, string>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["role"] = Role,
            ["Gateway:Storage:ConnectionString"] = TestStorage.ConnectionString,
            ["Gateway:Storage:TablePrefix"] = TablePrefix,
            // A query that names no partition on the gateway's own paths fails the test that made it.
            ["Gateway:Storage:UnscopedQueries"] = "Fail",
            ["Gateway:Cluster:ClusterId"] = ClusterId,
            ["Gateway:Cluster:SiloPort"] = SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:Cluster:GatewayPort"] = GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Gateway:AdminKey"] = GatewayServer.AdminKey,
            ["Gateway:Audit:ChainSecret"] = TestStorage.ChainSecret,
            ["Gateway:Upstreams:OpenAI:BaseUrl"] = SimulatorUrl,
            ["Gateway:Upstreams:OpenAI:ApiKey"] = SimulatorServer.ProviderKey,
            ["Gateway:Upstreams:Anthropic:BaseUrl"] = SimulatorUrl,
            ["Gateway:Upstreams:Anthropic:ApiKey"] = SimulatorServer.ProviderKey,
            ["Gateway:Frontend:InstanceId"] = InstanceId,
            ["Gateway:Frontend:Region"] = "test-region",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Orleans"] = "Error",
        };
        if (DefaultLogging)
        {
            args.Remove("Logging:LogLevel:Default");
            args.Remove("Logging:LogLevel:Orleans");
        }

        foreach (var (key, value) in Extra)
        {
            args[key] = value;
        }

        return [.. args.SelectMany(kv => new[] { "--" + kv.Key, kv.Value })];
    }
}
