namespace Gateway.Tests.Fleet;

/// <summary>Settings the fleet tests give their processes.</summary>
public static class FleetSettings
{
    /// <summary>Declare a killed silo dead in seconds rather than the production default of a minute or so.</summary>
    public static IReadOnlyDictionary<string, string> FastFailureDetection { get; } = new Dictionary<string, string>
    {
        ["Gateway:Cluster:Membership:ProbeTimeout"] = "00:00:01",
        ["Gateway:Cluster:Membership:NumMissedProbesLimit"] = "2",
        ["Gateway:Cluster:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Gateway:Cluster:Membership:IAmAliveTablePublishTimeout"] = "00:00:02",
    };
}
