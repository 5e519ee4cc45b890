namespace Gateway;

/// <summary>A stateless probe: answers only when the caller can reach a silo of the cluster.</summary>
[Alias("Gateway.IHealthGrain")]
public interface IHealthGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task<string> Ping();
}
