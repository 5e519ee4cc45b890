using System.Security.Cryptography;
using System.Text;

namespace Gateway.Storage.Audit;

/// <summary>
/// The key of the audit chains' HMAC-SHA256. It never leaves this object: not in logs, not in
/// <see cref="ToString"/>, only its <see cref="Fingerprint"/> (a hash of it), which tells an operator
/// whether two processes hold the same secret without revealing it.
/// </summary>
public sealed class AuditChainKey
{
    /// <summary>The scheme name recorded on rows chained with this key; rows without one are plain SHA-256.</summary>
    public const string Scheme = "hmac-sha256";

    private readonly byte[] _key;

    public AuditChainKey(string secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secret);
        _key = Encoding.UTF8.GetBytes(secret.Trim());
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData([.. "gateway audit chain key\n"u8, .. _key]))[..16];
    }

    /// <summary>Identifies the secret (first 64 bits of a domain-separated SHA-256 of it); safe to show.</summary>
    public string Fingerprint { get; }

    /// <summary>HMAC-SHA256 of <paramref name="canonical"/>, lower-case hex.</summary>
    public string Mac(string canonical) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(canonical)));

    /// <summary>HMAC-SHA256 of the UTF-8 <paramref name="canonical"/>, lower-case hex: the same MAC, without a string of the text first.</summary>
    public string Mac(ReadOnlySpan<byte> canonical)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, canonical, mac);
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Whether <paramref name="mac"/> is this key's MAC of <paramref name="canonical"/>, compared in constant time.</summary>
    public bool Verifies(string canonical, string? mac) =>
        mac is { Length: 64 } && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(canonical)), Encoding.ASCII.GetBytes(mac));

    /// <summary>
    /// A key for another use of the deployment's secret (the audit query's continuation tokens), derived
    /// with a domain-separated HMAC so that a MAC made for one <paramref name="purpose"/> never passes
    /// for a chain row's or another purpose's.
    /// </summary>
    public byte[] DeriveKey(string purpose) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("gateway derived key\n" + purpose));

    /// <summary>Plain SHA-256, lower-case hex: the legacy scheme, and what an attacker without the key can compute.</summary>
    public static string Sha256(string canonical) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

    public override string ToString() => $"audit chain key {Fingerprint}";
}
