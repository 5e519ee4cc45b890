namespace Gateway.Storage.Audit;

/// <summary>How a chain was found broken, judged at its first broken row.</summary>
public enum ChainBreakKind
{
    /// <summary>A row's content no longer matches its MAC (or a row no longer links to the one before).</summary>
    Edited,

    /// <summary>A gap in the sequence: the named sequence number is missing.</summary>
    Deleted,

    /// <summary>A row that the chain's writer never wrote: forged, or past the anchored head.</summary>
    Inserted,

    /// <summary>A genuine row found at another row's place (its own sequence or row key says so).</summary>
    Reordered,

    /// <summary>The newest rows are missing: the chain ends before the head its writer anchored.</summary>
    Truncated,

    /// <summary>A row rewritten with a plain SHA-256 recomputed over it, which only the HMAC catches.</summary>
    Rehashed,
}
