using System.Net;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Gateway.Host;
using Gateway.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Clustering.AzureStorage;
using Orleans.Configuration;

namespace Gateway.Tests.Deploy;

/// <summary>
/// Storage by managed identity, as the Azure deployment configures it (Gateway:Storage:TableEndpoint
/// only): settings validate, every client signs in with a token credential, Orleans' included. No
/// Azure needed: the credential and the transport are stand-ins that record what was asked of them.
/// </summary>
public sealed class StorageIdentityTests
{
    private const string Endpoint = "https://gwacct.table.core.windows.net/";

    [Fact]
    public void Endpoint_only_settings_are_accepted()
    {
        var options = new StorageOptions { ConnectionString = null, TableEndpoint = Endpoint, LedgerAccounts = [Endpoint, "https://gwacct2.table.core.windows.net"] };
        var result = new StorageOptionsValidator().Validate(null, options);
        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.True(options.MainAccount.UsesTokenCredential);
    }

    [Fact]
    public void Neither_endpoint_nor_connection_string_is_refused_naming_both_settings()
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { ConnectionString = "", TableEndpoint = null });
        Assert.True(result.Failed);
        Assert.Contains("TableEndpoint", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("ConnectionString", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_beside_another_connection_string_or_over_plain_http_is_refused()
    {
        var other = "DefaultEndpointsProtocol=https;AccountName=other;AccountKey=" + Convert.ToBase64String(new byte[64]) + ";EndpointSuffix=core.windows.net";
        var both = new StorageOptionsValidator().Validate(null, new StorageOptions { ConnectionString = other, TableEndpoint = Endpoint });
        Assert.True(both.Failed);
        var http = new StorageOptionsValidator().Validate(null, new StorageOptions { TableEndpoint = "http://gwacct.table.core.windows.net" });
        Assert.True(http.Failed);
        Assert.Contains("https", http.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_tables_sign_requests_with_a_bearer_token_from_the_credential()
    {
        var credential = new RecordingCredential();
        var tables = new GatewayTables(Microsoft.Extensions.Options.Options.Create(new StorageOptions { ConnectionString = null, TableEndpoint = Endpoint }), credential);
        Assert.Equal("gwacct", tables.MainAccountName);
        Assert.Equal("gwacct", Assert.Single(tables.Accounts).Name);
        Assert.Equal(new Uri(Endpoint).Host, tables.AdminKeys.Uri.Host);

        // The same client construction, over a transport that answers locally, shows what goes on the wire.
        var handler = new RecordingHandler();
        var client = TableAccount.Parse(Endpoint).CreateClient(new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) }, credential);
        await foreach (var _ in client.GetTableClient("gwprobe").QueryAsync<TableEntity>(filter: "PartitionKey eq 'p'", maxPerPage: 1))
        {
            break;
        }

        Assert.Contains("https://storage.azure.com/.default", credential.Scopes);
        Assert.Equal("Bearer " + RecordingCredential.Token, handler.Authorization);
    }

    [Fact]
    public async Task The_journals_own_transactions_sign_with_a_bearer_token_too()
    {
        var credential = new RecordingCredential();
        var handler = new RecordingHandler();
        var options = new TableClientOptions { Transport = new HttpClientTransport(new HttpClient(handler)) };
        var account = TableAccount.Parse(Endpoint);
        var transactions = account.CreateTransactions(options, credential);

        // The stand-in answers 200, not a batch's 202: the transaction fails, after showing what it sent.
        var journal = account.CreateClient(options, credential).GetTableClient("gwjournal");
        var refused = await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => transactions.SubmitAsync(journal,
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "r")), new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "s"))]));

        Assert.Equal(200, refused.Status);
        Assert.Equal("/$batch", handler.Path);
        Assert.Contains("https://storage.azure.com/.default", credential.Scopes);
        Assert.Equal("Bearer " + RecordingCredential.Token, handler.Authorization);

        // A lone row, a plain insert into the table, signs the same way; 200 is not an insert's answer either.
        var lone = await Assert.ThrowsAnyAsync<Azure.RequestFailedException>(() => transactions.SubmitAsync(journal,
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "t"))]));
        Assert.Equal((200, "/gwjournal"), (lone.Status, handler.Path));
        Assert.Equal("Bearer " + RecordingCredential.Token, handler.Authorization);
    }

    [Fact]
    public void Orleans_membership_and_grain_state_use_the_endpoint_not_a_connection_string()
    {
        var app = GatewayHostBuilder.Build(["--role", "silo", $"--Gateway:Storage:TableEndpoint={Endpoint}", "--Gateway:Cluster:AdvertisedAddress=auto"]);
        var services = app.Services;
        Assert.True(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.MainAccount.UsesTokenCredential);

        var clustering = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AzureStorageClusteringOptions>>().Value;
        Assert.Equal("gwacct", clustering.TableServiceClient!.AccountName);
        Assert.Equal(new Uri(Endpoint).Host, clustering.TableServiceClient.Uri.Host);

        var grainState = services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AzureTableStorageOptions>>().Get("keys");
        Assert.Equal("gwacct", grainState.TableServiceClient!.AccountName);
    }

    private sealed class RecordingCredential : TokenCredential
    {
        public const string Token = "test-token";

        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Scopes.AddRange(requestContext.Scopes);
            return new AccessToken(Token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(GetToken(requestContext, cancellationToken));
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public string? Authorization { get; private set; }

        public string? Path { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorization = request.Headers.Authorization?.ToString();
            Path = request.RequestUri?.AbsolutePath;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"value":[]}""", System.Text.Encoding.UTF8, "application/json") });
        }
    }
}
