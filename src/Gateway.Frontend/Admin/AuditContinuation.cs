using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Gateway.Storage.Audit;

namespace Gateway.Frontend.Admin;

/// <summary>
/// The continuation tokens of <c>GET /admin/v1/audit</c>. A token holds only positions in the ledger
/// (per key, the sequence of the last row handed out) and a MAC that binds them to the query that
/// produced them (its scope and filters, <see cref="AuditQuery.Fingerprint"/>), keyed by a key
/// derived from the deployment's audit chain secret, which every front-end holds. So a token works on
/// any front-end; an edited or made-up token, or one passed with other filters, is refused as a 400;
/// and even a valid one can only move where a page starts, since the scope and filters are taken from
/// the request and applied again on every page.
/// </summary>
public sealed class AuditContinuation(AuditChainKey chainKey)
{
    /// <summary>
    /// Longest token accepted: a position for each key of the largest scope (<see cref="AuditQueryOptions.MaxKeys"/>),
    /// in base64. Kestrel refuses a request line over 8 KiB (414) before this is checked.
    /// </summary>
    public const int MaxLength = 8 * 1024;

    private const byte Version = 1;
    private const int MacBytes = 16;
    private const int MaxKeyIdBytes = 255;

    private readonly byte[] _key = chainKey.DeriveKey("audit query continuation");

    /// <summary>A token for the page after <paramref name="positions"/> of the query whose fingerprint is <paramref name="fingerprint"/>.</summary>
    public string Encode(string fingerprint, IReadOnlyList<LedgerPosition> positions)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Version);
            writer.Write7BitEncodedInt(positions.Count);
            foreach (var (keyId, sequence) in positions)
            {
                var id = Encoding.UTF8.GetBytes(keyId);
                writer.Write(checked((byte)id.Length));
                writer.Write(id);
                writer.Write7BitEncodedInt64(sequence);
            }
        }

        var payload = buffer.ToArray();
        return Base64Url.EncodeToString([.. payload, .. Mac(fingerprint, payload)]);
    }

    /// <summary>The positions in <paramref name="token"/>, or null when it is not a token this query gave out.</summary>
    public IReadOnlyList<LedgerPosition>? Decode(string token, string fingerprint)
    {
        if (token.Length is 0 or > MaxLength || !Base64Url.IsValid(token))
        {
            return null;
        }

        var bytes = Base64Url.DecodeFromChars(token);
        if (bytes.Length <= MacBytes + 1)
        {
            return null;
        }

        var payload = bytes.AsSpan(0, bytes.Length - MacBytes);
        if (!CryptographicOperations.FixedTimeEquals(Mac(fingerprint, payload), bytes.AsSpan(bytes.Length - MacBytes)))
        {
            return null;
        }

        // The MAC held, so a front-end of this deployment wrote it; the checks below guard against a bug, not a forger.
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload.ToArray()), Encoding.UTF8);
            if (reader.ReadByte() != Version)
            {
                return null;
            }

            var count = reader.Read7BitEncodedInt();
            if (count < 0 || count > payload.Length)
            {
                return null;
            }

            var positions = new List<LedgerPosition>(count);
            for (var i = 0; i < count; i++)
            {
                var length = reader.ReadByte();
                var keyId = Encoding.UTF8.GetString(reader.ReadBytes(length));
                var sequence = reader.Read7BitEncodedInt64();
                if (length is 0 or > MaxKeyIdBytes || keyId.Length == 0 || sequence < 0)
                {
                    return null;
                }

                positions.Add(new LedgerPosition(keyId, sequence));
            }

            return reader.BaseStream.Position == reader.BaseStream.Length ? positions : null;
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException)
        {
            return null;
        }
    }

    private byte[] Mac(string fingerprint, ReadOnlySpan<byte> payload) =>
        HMACSHA256.HashData(_key, (byte[])[.. Encoding.UTF8.GetBytes(fingerprint), 0, .. payload])[..MacBytes];
}
