using Orleans.Concurrency;
using Orleans.Runtime;

namespace Gateway.Grains;

[StatelessWorker]
public sealed class HealthGrain(ILocalSiloDetails silo) : Grain, IHealthGrain
{
    public Task<string> Ping() => Task.FromResult(silo.SiloAddress.ToString());
}
