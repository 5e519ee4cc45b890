namespace Gateway;

/// <summary>
/// Where a front-end sends the refusals no key owns (a missing or malformed key, a key id never
/// issued, a throttled address): the grain side writes them to the ledger table, as it writes every
/// other ledger row, and front-ends only read the ledger. Front-ends still fold repeats from one
/// address into counted rows before they call.
/// </summary>
[Alias("Gateway.IUnattributedDenialsGrain")]
public interface IUnattributedDenialsGrain : IGrainWithIntegerKey
{
    [Alias("Record")]
    Task Record(UnattributedDenial denial);
}
