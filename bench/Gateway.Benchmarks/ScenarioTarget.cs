namespace Gateway.Benchmarks;

internal enum ScenarioTarget
{
    Direct,
    GatewayManyKeys,
    GatewayHotKey,
}
