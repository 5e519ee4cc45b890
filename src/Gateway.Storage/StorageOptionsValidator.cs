using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace Gateway.Storage;

/// <summary>
/// Refuses, at start-up, storage settings that would fail later or misplace keys: a connection
/// string that does not parse, and an account listed twice in <see cref="StorageOptions.LedgerAccounts"/>
/// (the same table endpoint: keys hashed to either would share one account's limits while the
/// gateway counted them as two), and a settled-row linger that is negative or longer than a second.
/// Messages name the setting and the entry, never a key.
/// </summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (Endpoint(options.ConnectionString, out var error) is null)
        {
            failures.Add($"{StorageOptions.Section}:ConnectionString does not parse: {error}");
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.LedgerAccounts.Count; i++)
        {
            var setting = $"{StorageOptions.Section}:LedgerAccounts:{i}";
            if (Endpoint(options.LedgerAccounts[i], out error) is not { } endpoint)
            {
                failures.Add($"{setting} is not a storage connection string: {error}");
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The account's table endpoint (scheme, host, port, path), or null with the reason it does not parse.</summary>
    private static string? Endpoint(string? connectionString, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            error = "it is empty";
            return null;
        }

        try
        {
            var uri = new TableServiceClient(connectionString).Uri;
            return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The exception's message, never the string itself: it holds the account key.
            error = ex.Message;
            return null;
        }
    }
}
