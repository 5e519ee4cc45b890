using Azure;
using Azure.Data.Tables;

namespace Gateway.Storage.Content;

/// <summary>
/// Captured prompts and completions, for keys an admin switched capture on for. Partition = key id
/// (in the key's account, <see cref="GatewayTables.AccountFor"/>), row key = request id (the audit
/// row's). Each row carries its own expiry; the sweeper deletes rows past it. Text is cut to what one Table property holds, and the cut is recorded.
/// </summary>
public sealed class ContentStore(GatewayTables tables)
{
    /// <summary>Table Storage holds at most 64 KiB per string property (32K UTF-16 characters).</summary>
    public const int MaxChars = 30_000;

    public async Task SaveAsync(string keyId, string requestId, string prompt, string completion, DateTimeOffset at, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        await tables.AccountFor(keyId).Content.UpsertEntityAsync(new TableEntity(keyId, requestId)
        {
            ["Prompt"] = Cut(prompt),
            ["PromptTruncated"] = prompt.Length > MaxChars,
            ["Completion"] = Cut(completion),
            ["CompletionTruncated"] = completion.Length > MaxChars,
            ["CapturedAt"] = at,
            ["ExpiresAt"] = expiresAt,
        }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<(string Prompt, string Completion)?> FindAsync(string keyId, string requestId, CancellationToken cancellationToken)
    {
        var row = await tables.AccountFor(keyId).Content.GetEntityIfExistsAsync<TableEntity>(keyId, requestId, cancellationToken: cancellationToken);
        return row.HasValue && row.Value is { } e ? (e.GetString("Prompt") ?? "", e.GetString("Completion") ?? "") : null;
    }

    /// <summary>Deletes every captured row whose retention has run out, in every account; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var account in tables.Accounts)
        {
            await foreach (var e in account.ContentScan.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ExpiresAt lt {now}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                try
                {
                    await account.Content.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All, cancellationToken);
                    deleted++;
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    // Deleted meanwhile by another sweeper.
                }
            }
        }

        return deleted;
    }

    private static string Cut(string text) => text.Length <= MaxChars ? text : text[..MaxChars];
}
