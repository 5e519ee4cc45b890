using Azure;
using Azure.Data.Tables;
using Gateway.Core.Pricing;

namespace Gateway.Storage.Pricing;

/// <summary>
/// The prices table: one partition, one row per model (row key <see cref="PricedModelName.RowKey"/>),
/// read whole by every front-end every few seconds. A few hundred small rows at most, so one
/// partition is one cheap query, and an edit of one model never races another's.
/// </summary>
public sealed class PriceStore(GatewayTables tables)
{
    private const string Partition = "price";

    /// <summary>Written with the seed, in the same partition (and, for a seed of up to 99 models, the same transaction); no model can have this row key.</summary>
    private const string SeedMarker = "~seeded";

    /// <summary>Every price, in row-key order.</summary>
    public async Task<IReadOnlyList<StoredPrice>> ListAsync(CancellationToken cancellationToken)
    {
        var prices = new List<StoredPrice>();
        await foreach (var row in tables.Prices.QueryAsync<TableEntity>($"PartitionKey eq '{Partition}'", cancellationToken: cancellationToken))
        {
            if (row.RowKey != SeedMarker)
            {
                prices.Add(Read(row));
            }
        }

        return prices;
    }

    public async Task<StoredPrice?> GetAsync(string model, CancellationToken cancellationToken)
    {
        var response = await tables.Prices.GetEntityIfExistsAsync<TableEntity>(Partition, PricedModelName.RowKey(model), cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } row ? Read(row) : null;
    }

    /// <summary>
    /// Sets a model's price. With <paramref name="ifMatch"/>, only over that version (else
    /// <see cref="PriceVersionMismatchException"/>); without, whatever is there. Returns the row as written, with its new version.
    /// </summary>
    public async Task<StoredPrice> PutAsync(StoredPrice price, string? ifMatch, CancellationToken cancellationToken)
    {
        var row = Write(price);
        Response response;
        try
        {
            response = ifMatch is null
                ? await tables.Prices.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken)
                : await tables.Prices.UpdateEntityAsync(row, new ETag(ifMatch), TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException ex) when (ifMatch is not null && ex.Status is 404 or 412)
        {
            throw new PriceVersionMismatchException(price.Model, ex);
        }

        return price with { Version = response.Headers.ETag?.ToString() };
    }

    /// <summary>Removes a model's price; false when it had none. With <paramref name="ifMatch"/>, only that version.</summary>
    public async Task<bool> DeleteAsync(string model, string? ifMatch, CancellationToken cancellationToken)
    {
        try
        {
            await tables.Prices.DeleteEntityAsync(Partition, PricedModelName.RowKey(model), ifMatch is null ? ETag.All : new ETag(ifMatch), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        catch (RequestFailedException ex) when (ifMatch is not null && ex.Status == 412)
        {
            throw new PriceVersionMismatchException(model, ex);
        }
    }

    /// <summary>Whether the table was ever seeded; once it was, the seed file is never read again.</summary>
    public async Task<bool> IsSeededAsync(CancellationToken cancellationToken) =>
        (await tables.Prices.GetEntityIfExistsAsync<TableEntity>(Partition, SeedMarker, select: ["RowKey"], cancellationToken: cancellationToken)).HasValue;

    /// <summary>
    /// Seeds an unseeded table: each price is inserted unless its model has one already, then the
    /// marker. Front-ends starting together may both seed; inserts never overwrite, so they agree.
    /// </summary>
    public async Task SeedAsync(IReadOnlyList<StoredPrice> prices, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = prices.Select(Write).Append(new TableEntity(Partition, SeedMarker) { ["SeededAt"] = now, ["Models"] = prices.Count }).ToList();
        foreach (var chunk in rows.Chunk(100))
        {
            try
            {
                await tables.Prices.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.Add, r)), cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status == 409)
            {
                // Some row is there already (another front-end seeding, or a price set meanwhile): insert one by one, keeping what is there.
                foreach (var row in chunk)
                {
                    try
                    {
                        await tables.Prices.AddEntityAsync(row, cancellationToken);
                    }
                    catch (RequestFailedException conflict) when (conflict.Status == 409)
                    {
                    }
                }
            }
        }
    }

    private static TableEntity Write(StoredPrice price) => new(Partition, PricedModelName.RowKey(price.Model))
    {
        ["Model"] = price.Model,
        ["InputMicrosPerMTok"] = price.InputMicrosPerMTok,
        ["OutputMicrosPerMTok"] = price.OutputMicrosPerMTok,
        ["CachedInputMicrosPerMTok"] = price.CachedInputMicrosPerMTok,
        ["CacheWrite5mMicrosPerMTok"] = price.CacheWrite5mMicrosPerMTok,
        ["CacheWrite1hMicrosPerMTok"] = price.CacheWrite1hMicrosPerMTok,
        ["MaxOutputTokens"] = price.MaxOutputTokens,
        ["ContextWindow"] = price.ContextWindow,
        ["Provider"] = price.Provider,
        ["UpdatedAt"] = price.UpdatedAt,
        ["UpdatedBy"] = price.UpdatedBy,
    };

    private static StoredPrice Read(TableEntity row)
    {
        var input = row.GetInt64("InputMicrosPerMTok") ?? 0;
        return new(
            row.GetString("Model") ?? row.RowKey.Replace('|', '/'),
            input,
            row.GetInt64("OutputMicrosPerMTok") ?? 0,
            row.GetInt64("CachedInputMicrosPerMTok") ?? 0,

            // Rows written before the cache-write columns: the defaults a price file without them gets.
            row.GetInt64("CacheWrite5mMicrosPerMTok") ?? ModelPrice.DefaultCacheWrite5m(input),
            row.GetInt64("CacheWrite1hMicrosPerMTok") ?? ModelPrice.DefaultCacheWrite1h(input),
            row.GetInt32("MaxOutputTokens"),
            row.GetInt32("ContextWindow"),
            row.GetString("Provider"),
            row.GetDateTimeOffset("UpdatedAt") ?? default,
            row.GetString("UpdatedBy") ?? "",
            row.ETag.ToString());
    }
}
