using Microsoft.Extensions.Options;

namespace Gateway.Storage;

/// <summary>
/// Refuses, at start-up, storage settings that would fail later or misplace keys: no main account at
/// all (neither a connection string nor a table endpoint), both given, a connection string that does
/// not parse or an endpoint that is not https, and an account listed twice in <see cref="StorageOptions.LedgerAccounts"/>
/// (the same table endpoint: keys hashed to either would share one account's limits while the
/// gateway counted them as two), a settled-row linger that is negative or longer than a second, and a
/// ledger row form that is neither <c>Compact</c> nor <c>Columns</c> (a number binds to any enum value).
/// Messages name the setting and the entry, never a key.
/// </summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        var hasEndpoint = !string.IsNullOrWhiteSpace(options.TableEndpoint);
        var hasConnection = !string.IsNullOrWhiteSpace(options.ConnectionString);
        string? error;
        if (!hasEndpoint && !hasConnection)
        {
            failures.Add($"{StorageOptions.Section}: set TableEndpoint (the account's https table endpoint, reached with the managed identity) or ConnectionString (Azurite, or an account that allows shared keys).");
        }
        else if (hasEndpoint && hasConnection && options.ConnectionString != StorageOptions.AzuriteDefault)
        {
            // Azurite's default is always there; another connection string beside an endpoint is a mistake one of them would silently hide.
            failures.Add($"{StorageOptions.Section}: TableEndpoint and ConnectionString are both set; set one of them.");
        }
        else if (Endpoint(options.MainAccountSetting, out error) is null)
        {
            var setting = hasEndpoint ? "TableEndpoint" : "ConnectionString";
            failures.Add($"{StorageOptions.Section}:{setting} does not parse: {error}");
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.LedgerAccounts.Count; i++)
        {
            var setting = $"{StorageOptions.Section}:LedgerAccounts:{i}";
            if (Endpoint(options.LedgerAccounts[i], out error) is not { } endpoint)
            {
                failures.Add($"{setting} is neither a storage connection string nor an https table endpoint: {error}");
            }
            else if (!seen.TryAdd(endpoint, i))
            {
                failures.Add($"{setting} names the account {endpoint} again (as {StorageOptions.Section}:LedgerAccounts:{seen[endpoint]}); list each account once.");
            }
        }

        if (options.JournalSettledLinger < TimeSpan.Zero || options.JournalSettledLinger > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{StorageOptions.Section}:JournalSettledLinger must be between 00:00:00 and 00:00:01 (a settlement waits for it before its row is durable).");
        }

        if (!Enum.IsDefined(options.LedgerRows))
        {
            failures.Add($"{StorageOptions.Section}:LedgerRows must be Compact or Columns.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The account's table endpoint (scheme, host, port, path), or null with the reason it does not parse.</summary>
    private static string? Endpoint(string? setting, out string? error)
    {
        error = null;
        try
        {
            return TableAccount.Parse(setting).Endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }
        catch (FormatException ex)
        {
            // TableAccount's message never repeats the setting: a connection string holds the account key.
            error = ex.Message;
            return null;
        }
    }
}
