using System.Xml.Linq;
using Azure.Data.Tables;
using Gateway.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Gateway.Frontend.Console;

/// <summary>
/// The Data Protection key ring in Table Storage, so every front-end of a fleet protects and reads
/// console session cookies with the same keys: a cookie issued by one front-end is honoured by all,
/// and a restart keeps sessions. The rows live in the admin-keys table under their own partition
/// (admin keys are read only under <c>admin</c>), next to the other credential material, readable
/// by whoever can read the admin keys' hashes anyway. Key XML is stored as Data Protection writes
/// it (no XML encryptor is configured; the storage account is the trust boundary, as for the
/// audit chain secret's data).
/// </summary>
public sealed class TableXmlRepository(GatewayTables tables) : IXmlRepository
{
    public const string Partition = "dataprotection";

    // Data Protection's interface is synchronous; it reads the ring at start and when it refreshes
    // (about daily), never per request, so the blocking calls are off the request path.
    public IReadOnlyCollection<XElement> GetAllElements() =>
        [.. tables.AdminKeys.Query<TableEntity>(e => e.PartitionKey == Partition).Select(e => e.GetString("Xml")).OfType<string>().Select(xml => XElement.Parse(xml))];

    public void StoreElement(XElement element, string friendlyName) =>
        tables.AdminKeys.UpsertEntity(new TableEntity(Partition, friendlyName) { ["Xml"] = element.ToString(SaveOptions.DisableFormatting) });
}
