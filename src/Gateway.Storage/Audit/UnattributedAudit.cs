using System.Globalization;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace Gateway.Storage.Audit;

/// <summary>
/// Denials that no key can own: a missing or malformed key, or a key id that was never issued.
/// They go into the ledger table under one partition per UTC day, so probing with made-up keys is
/// on the record too. Only the key id part of what was presented is kept, never a secret. Repeats
/// from one address within a short window are one row with a count (see the front-end's AuthFailureGuard).
/// </summary>
public sealed class UnattributedAudit(GatewayTables tables, ILogger<UnattributedAudit> logger) : IAsyncDisposable
{
    public const string PartitionPrefix = "~unattributed_";

    private readonly GroupCommitWriter _writer = new(tables.MainLedger, logger);

    public static string PartitionFor(DateTimeOffset at) => PartitionPrefix + at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public Task RecordAsync(UnattributedDenial denial) =>
        _writer.SubmitAsync(new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(PartitionFor(denial.RecordedAt), denial.RequestId)
        {
            ["PresentedKeyId"] = denial.PresentedKeyId,
            ["Reason"] = denial.Reason,
            ["Endpoint"] = denial.Endpoint,
            ["Model"] = denial.Model,
            ["HttpStatus"] = denial.HttpStatus,
            ["Outcome"] = "denied",
            ["FrontendInstance"] = denial.FrontendInstance,
            ["Region"] = denial.Region,
            ["ClientAddress"] = denial.ClientAddress,
            ["RecordedAt"] = denial.RecordedAt,
            ["Count"] = denial.Count,
            ["FirstAt"] = denial.FirstAt,
        }));

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
