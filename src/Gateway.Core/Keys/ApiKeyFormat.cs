using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Core.Keys;

/// <summary>
/// User keys look like <c>gw_&lt;keyId&gt;_&lt;secret&gt;</c>. The key id routes to the key's grain and is not
/// secret; the secret is 256 bits from a cryptographic generator and only its SHA-256 is ever stored.
/// A slow hash buys nothing for a random 256-bit secret, and SHA-256 keeps the hot path cheap.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "gw_";
    private const int KeyIdBytes = 9;
    private const int SecretBytes = 32;

    public static string NewKeyId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(KeyIdBytes)).Replace('_', 'z').Replace('-', 'x');

    public static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));

    public static string Compose(string keyId, string secret) => $"{Prefix}{keyId}_{secret}";

    /// <summary>Splits a presented key; the key id never contains '_' so the first '_' after it ends it.</summary>
    public static bool TryParse(string? presented, [NotNullWhen(true)] out string? keyId, [NotNullWhen(true)] out string? secret)
    {
        keyId = null;
        secret = null;
        if (string.IsNullOrEmpty(presented) || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 200)
        {
            return false;
        }

        var rest = presented.AsSpan(Prefix.Length);
        var separator = rest.IndexOf('_');
        if (separator <= 0 || separator == rest.Length - 1)
        {
            return false;
        }

        var id = rest[..separator];
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        keyId = id.ToString();
        secret = rest[(separator + 1)..].ToString();
        return true;
    }

    public static bool IsValidKeyId(string keyId) =>
        keyId.Length is > 0 and <= 64 && keyId.All(char.IsAsciiLetterOrDigit);

    /// <summary>Lower-case hex SHA-256 of a secret.</summary>
    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Constant-time comparison of two hex hashes, so timing reveals nothing about the stored one.</summary>
    public static bool HashesEqual(string presentedHash, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presentedHash), Encoding.ASCII.GetBytes(storedHash));

    /// <summary>A short visible prefix that identifies a key in lists and logs without revealing it.</summary>
    public static string Display(string keyId) => $"{Prefix}{keyId}_…";
}
