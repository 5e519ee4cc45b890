using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Gateway.Storage.Transactions;

namespace Gateway.Storage;

/// <summary>
/// One storage account as a setting names it: a connection string (Azurite, or an account that still
/// allows shared keys), or the account's table endpoint (<c>https://acct.table.core.windows.net</c>),
/// reached with a token credential. The Azure deployment uses endpoints only: its account refuses
/// shared keys, and each service signs in with its managed identity (docs/deployment.md).
/// </summary>
public sealed class TableAccount
{
    // One credential for the process: it caches its token, and every client of every account shares it.
    private static readonly Lazy<TokenCredential> SharedCredential = new(() => new DefaultAzureCredential());

    private TableAccount(Uri endpoint, string? connectionString)
    {
        Endpoint = endpoint;
        ConnectionString = connectionString;
    }

    /// <summary>The account's table endpoint (for a connection string, the one it names).</summary>
    public Uri Endpoint { get; }

    /// <summary>The connection string, or null when the account is reached by its endpoint with a token credential.</summary>
    public string? ConnectionString { get; }

    /// <summary>True when clients sign in with a token credential (Microsoft Entra ID) rather than an account key.</summary>
    public bool UsesTokenCredential => ConnectionString is null;

    /// <summary>The account's name as metrics tag it: the endpoint without its scheme, never a key.</summary>
    public string MetricsName => Endpoint.Authority + Endpoint.AbsolutePath.TrimEnd('/');

    /// <summary>
    /// Reads a setting: an absolute http(s) URI is an endpoint, anything else a connection string.
    /// Throws <see cref="FormatException"/> with a message that never repeats the setting (it may hold a key).
    /// </summary>
    public static TableAccount Parse(string? setting)
    {
        if (string.IsNullOrWhiteSpace(setting))
        {
            throw new FormatException("it is empty");
        }

        if (Uri.TryCreate(setting, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            // Bearer tokens are only ever sent over TLS: the SDK refuses otherwise, so say so at start-up instead.
            if (uri.Scheme != Uri.UriSchemeHttps)
            {
                throw new FormatException($"the endpoint {uri.GetLeftPart(UriPartial.Path)} is not https, and a token credential is only sent over TLS (use a connection string for Azurite)");
            }

            return new TableAccount(uri, null);
        }

        try
        {
            return new TableAccount(new TableServiceClient(setting).Uri, setting);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The exception's message, never the string itself: it holds the account key.
            throw new FormatException(ex.Message, ex);
        }
    }

    /// <summary>
    /// A client for the account: with its connection string, or with <paramref name="credential"/>
    /// (by default one <see cref="DefaultAzureCredential"/> per process: the managed identity named by
    /// <c>AZURE_CLIENT_ID</c> on Azure, the developer's sign-in elsewhere).
    /// </summary>
    public TableServiceClient CreateClient(TableClientOptions options, TokenCredential? credential = null) =>
        ConnectionString is { } connection
            ? new TableServiceClient(connection, options)
            : new TableServiceClient(Endpoint, credential ?? SharedCredential.Value, options);

    /// <summary>The account's <see cref="TableTransactions"/>: signed with its key, or with <paramref name="credential"/> as <see cref="CreateClient"/> signs in.</summary>
    public TableTransactions CreateTransactions(TableClientOptions options, TokenCredential? credential = null) =>
        ConnectionString is { } connection
            ? TableTransactions.ForConnectionString(connection, options)
            : TableTransactions.ForTokenCredential(Endpoint, credential ?? SharedCredential.Value, options);
}
