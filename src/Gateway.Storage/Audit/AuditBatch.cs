namespace Gateway.Storage.Audit;

/// <summary>Limits of one Table Storage transaction.</summary>
public static class AuditBatch
{
    /// <summary>A transaction holds at most 100 operations, all in one partition.</summary>
    public const int MaxRows = 100;
}
