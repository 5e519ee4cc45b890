namespace Gateway;

/// <summary>What became of a change to a key (update, rotation, capture switch).</summary>
[GenerateSerializer, Alias("Gateway.KeyChangeOutcome")]
public enum KeyChangeOutcome
{
    Applied = 0,

    /// <summary>No key with this id was ever created.</summary>
    NotFound = 1,

    /// <summary>The key is revoked, and a revoked key stays as it was revoked: nothing was changed.</summary>
    Revoked = 2,
}
