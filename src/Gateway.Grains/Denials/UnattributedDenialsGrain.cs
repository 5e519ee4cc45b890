using Gateway.Storage.Audit;
using Orleans.Concurrency;

namespace Gateway.Grains.Denials;

/// <summary>
/// Writes refusals no key owns through the silo's <see cref="UnattributedAudit"/>. A stateless
/// worker on every silo, reentrant so that concurrent calls share the writer's group commits.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class UnattributedDenialsGrain(UnattributedAudit audit) : Grain, IUnattributedDenialsGrain
{
    public Task Record(UnattributedDenial denial) => audit.RecordAsync(denial);
}
