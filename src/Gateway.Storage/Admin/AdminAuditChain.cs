using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using Gateway.Storage.Audit;

namespace Gateway.Storage.Admin;

/// <summary>
/// How admin audit rows are chained. Each row has a place in one chain, <c>ChainSeq</c> (gap-free,
/// allotted through the head row, see <see cref="AdminAuditLog"/>), and a link
/// <c>ChainLink = HMAC(previous link, seq, row key)</c> fixed when it is written. Its content is
/// sealed separately, <c>ChainMac = HMAC(link, every property)</c>, because rows change after they are
/// written (a pending row is completed, failed attempts are counted into a row): completing a row
/// re-seals its content and leaves the chain's links alone.
/// </summary>
public static class AdminAuditChain
{
    public const string Seq = "ChainSeq";
    public const string Link = "ChainLink";
    public const string Mac = "ChainMac";

    /// <summary>The head row: the newest sequence and link, in the same partition so that a row and the head move in one transaction.</summary>
    public const string HeadRowKey = "~head";

    public static string LinkOf(AuditChainKey key, string previousLink, long seq, string rowKey) =>
        key.Mac(LinkInput(previousLink, seq, rowKey));

    public static string LinkInput(string previousLink, long seq, string rowKey) =>
        string.Create(CultureInfo.InvariantCulture, $"admin-link\n{previousLink}\n{seq}\n{rowKey}");

    public static string HeadInput(long seq, string link) =>
        string.Create(CultureInfo.InvariantCulture, $"admin-head\n{seq}\n{link}");

    /// <summary>Puts the chain fields on <paramref name="row"/> and seals its content.</summary>
    public static void Seal(AuditChainKey key, TableEntity row, long seq, string link)
    {
        row[Seq] = seq;
        row[Link] = link;
        row.Remove(Mac);
        row[Mac] = key.Mac(ContentInput(row));
    }

    public static TableEntity Head(AuditChainKey key, long seq, string link) => new(AdminAuditLog.Partition, HeadRowKey)
    {
        ["Seq"] = seq,
        ["Link"] = link,
        ["Mac"] = key.Mac(HeadInput(seq, link)),
    };

    /// <summary>
    /// Every stored property but the MAC, sorted by name, typed and length-prefixed so that no two
    /// different rows read the same; the row key and the chain link are part of it.
    /// </summary>
    public static string ContentInput(TableEntity row)
    {
        var text = new StringBuilder("admin-row\n").Append(row.RowKey).Append('\n');
        foreach (var (name, value) in row.Where(p => IsContent(p.Key) && p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var formatted = value switch
            {
                string s => "s:" + s,
                bool b => b ? "b:1" : "b:0",
                int i => "n:" + i.ToString(CultureInfo.InvariantCulture),
                long l => "n:" + l.ToString(CultureInfo.InvariantCulture),
                DateTimeOffset d => "d:" + d.UtcTicks.ToString(CultureInfo.InvariantCulture),
                DateTime d => "d:" + d.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture),
                double f => "f:" + f.ToString("R", CultureInfo.InvariantCulture),
                Guid g => "g:" + g.ToString("N"),
                byte[] bytes => "x:" + Convert.ToHexStringLower(bytes),
                _ => "o:" + Convert.ToString(value, CultureInfo.InvariantCulture),
            };
            text.Append(name).Append('=').Append(formatted.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(formatted).Append('\n');
        }

        return text.ToString();
    }

    private static bool IsContent(string property) =>
        property is not (Mac or "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag")
        && !property.Contains("@odata", StringComparison.Ordinal);
}
