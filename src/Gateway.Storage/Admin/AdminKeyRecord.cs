namespace Gateway.Storage.Admin;

/// <summary>An admin key as stored: its SHA-256 only, never the key.</summary>
public sealed record AdminKeyRecord(string Hash, string Name, string Role, DateTimeOffset CreatedAt, bool Revoked)
{
    public string Id => Hash[..12];
}
