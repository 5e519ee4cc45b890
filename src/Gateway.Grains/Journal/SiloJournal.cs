using Gateway.Storage;
using Gateway.Storage.Journal;
using Orleans.Runtime;

namespace Gateway.Grains.Journal;

/// <summary>This silo's partition of the intent journal: every key's grain on the silo writes into it.</summary>
public sealed class SiloJournal(IntentJournal journal, ILocalSiloDetails silo)
{
    public string Partition { get; } = TableKeys.Sanitize("silo_" + silo.SiloAddress.ToParsableString());

    public IntentJournal Journal => journal;
}
