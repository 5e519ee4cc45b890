namespace Gateway.Host;

/// <summary>One binary, three shapes: silo and front-end in one process, a silo only, or a front-end only.</summary>
public enum HostShape
{
    AllInOne,
    Silo,
    Frontend,
}
