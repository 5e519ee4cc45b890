namespace Gateway.Storage.Audit;

/// <summary>
/// The verdict on one chain: <see cref="Chain"/> names it (<c>key:&lt;keyId&gt;</c> or <c>admin</c>),
/// <see cref="Rows"/> were read, <see cref="LastSequence"/> is the newest sequence found,
/// <see cref="AnchoredSequence"/> the head its writer vouches for (null: none known),
/// <see cref="LegacyRows"/> rows are chained with plain SHA-256 from before the HMAC (verifiable
/// against edits, not against re-hashing), and <see cref="Break"/> is the first broken row, or null.
/// </summary>
public sealed record ChainVerification(
    string Chain,
    long Rows,
    long LastSequence,
    long? AnchoredSequence,
    long LegacyRows,
    ChainBreak? Break)
{
    public bool Ok => Break is null;
}
