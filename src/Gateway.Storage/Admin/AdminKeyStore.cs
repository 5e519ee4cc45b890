using System.Buffers.Text;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Gateway.Core.Keys;
using Gateway.Storage.Metrics;

namespace Gateway.Storage.Admin;

/// <summary>
/// Admin keys, separate from user keys. A key is found by the SHA-256 of what was presented: a
/// point read on a 256-bit-entropy hash leaks nothing by its timing.
/// </summary>
public sealed class AdminKeyStore(GatewayTables tables)
{
    public const string Prefix = "gwadmin_";
    private const string Partition = "admin";
    private const string BootstrapMarker = "bootstrap";

    public async Task<AdminKeyRecord?> FindAsync(string presented, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 512)
        {
            return null;
        }

        return await FindByHashAsync(ApiKeyFormat.Hash(presented), cancellationToken);
    }

    /// <summary>
    /// An admin key by its stored hash, null when unknown or revoked: how a console session (which
    /// holds the hash, never the key) is re-checked on every use, so revoking the key ends it.
    /// </summary>
    public async Task<AdminKeyRecord?> FindByHashAsync(string hash, CancellationToken cancellationToken)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        var response = await tables.AdminKeys.GetEntityIfExistsAsync<TableEntity>(Partition, hash, cancellationToken: cancellationToken);
        if (!response.HasValue || response.Value is null)
        {
            return null;
        }

        var e = response.Value;
        var record = new AdminKeyRecord(hash, e.GetString("Name") ?? "", e.GetString("Role") ?? AdminRoles.Viewer, e.GetDateTimeOffset("CreatedAt") ?? default, e.GetBoolean("Revoked") ?? false);
        return record.Revoked ? null : record;
    }

    /// <summary>
    /// Makes sure an admin key exists. A key given in configuration is registered (by hash). Otherwise
    /// the first process to start generates one; the key row and a bootstrap marker are inserted in one
    /// transaction, so when several front-ends start together exactly one wins and prints its key.
    /// Returns the generated key, which the caller shows once, or null.
    /// </summary>
    public async Task<string?> EnsureBootstrapAsync(string? configuredKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(configuredKey))
        {
            try
            {
                await tables.AdminKeys.AddEntityAsync(NewRow(ApiKeyFormat.Hash(configuredKey), "bootstrap (GATEWAY_ADMIN_KEY)", now), cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // Already registered (or revoked on purpose: a revoked bootstrap key stays revoked).
            }

            return null;
        }

        var key = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var hash = ApiKeyFormat.Hash(key);
        try
        {
            await tables.AdminKeys.SubmitCountedAsync(
            [
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(Partition, BootstrapMarker) { ["KeyHash"] = hash, ["CreatedAt"] = now }),
                new TableTransactionAction(TableTransactionActionType.Add, NewRow(hash, "bootstrap (generated)", now)),
            ], cancellationToken);
            return key;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return null;
        }
    }

    /// <summary>Whether the first start already generated an admin key (it is shown only then).</summary>
    public async Task<bool> IsBootstrappedAsync(CancellationToken cancellationToken) =>
        (await tables.AdminKeys.GetEntityIfExistsAsync<TableEntity>(Partition, BootstrapMarker, cancellationToken: cancellationToken)).HasValue;

    /// <summary>
    /// An admin key as logs and banners may show it: the prefix and four characters of a generated
    /// key (<c>gwadmin_abcd…</c>), nothing of a key too short or too unusual to show any of safely.
    /// </summary>
    public static string Mask(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal) && key.Length >= Prefix.Length + 32 ? key[..(Prefix.Length + 4)] + "…" : "…";

    /// <summary>Mints an admin key; only its hash is stored, so the key is returned this once.</summary>
    public async Task<(AdminKeyRecord Record, string Key)> CreateAsync(string name, string role, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var hash = ApiKeyFormat.Hash(key);
        await tables.AdminKeys.AddEntityAsync(NewRow(hash, name, now, role), cancellationToken);
        return (new AdminKeyRecord(hash, name, role, now, Revoked: false), key);
    }

    /// <summary>Revokes an admin key by its id (the first 12 hex digits of its hash); null when there is none.</summary>
    public async Task<AdminKeyRecord?> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        if (id.Length != 12 || !id.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        var filter = $"PartitionKey eq '{Partition}' and RowKey ge '{id}' and RowKey lt '{id}~'";
        await foreach (var e in tables.AdminKeys.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            e["Revoked"] = true;
            await tables.AdminKeys.UpdateEntityAsync(e, e.ETag, TableUpdateMode.Merge, cancellationToken);
            return new AdminKeyRecord(e.RowKey, e.GetString("Name") ?? "", e.GetString("Role") ?? AdminRoles.Viewer, e.GetDateTimeOffset("CreatedAt") ?? default, Revoked: true);
        }

        return null;
    }

    private static TableEntity NewRow(string hash, string name, DateTimeOffset now, string role = AdminRoles.Admin) => new(Partition, hash)
    {
        ["Name"] = name,
        ["Role"] = role,
        ["CreatedAt"] = now,
        ["Revoked"] = false,
    };
}
