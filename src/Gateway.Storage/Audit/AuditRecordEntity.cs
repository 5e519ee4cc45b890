using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Gateway.Storage.Transactions;

namespace Gateway.Storage.Audit;

/// <summary>
/// A ledger row on its way to storage, in the ledger (partition = key id, row key = sequence) or the
/// journal (the key's shard, under its intent's row key), in the form given: it writes its own JSON into a
/// transaction's body rather than being copied into a <see cref="TableEntity"/> first (<see cref="IJsonEntity"/>).
/// </summary>
internal sealed class AuditRecordEntity(AuditRecord record, string partitionKey, string rowKey, LedgerRowForm form) : IJsonEntity
{
    public string PartitionKey { get; set; } = partitionKey;

    public string RowKey { get; set; } = rowKey;

    public DateTimeOffset? Timestamp { get; set; }

    public ETag ETag { get; set; }

    public int PropertyCount => AuditRecord.PropertyCount(form);

    public void WriteProperties(Utf8JsonWriter json) => record.WriteProperties(json, form);

    public TableEntity ToTableEntity()
    {
        var entity = record.ToEntity(form);
        entity.PartitionKey = PartitionKey;
        entity.RowKey = RowKey;
        return entity;
    }
}
