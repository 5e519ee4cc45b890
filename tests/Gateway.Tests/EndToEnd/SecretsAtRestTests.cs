using Azure.Data.Tables;
using Gateway.Tests.Infrastructure;
using OpenAI.Chat;

namespace Gateway.Tests.EndToEnd;

/// <summary>No secrets at rest: not a user key, not the admin key, not the provider key.</summary>
public sealed class SecretsAtRestTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task No_table_holds_a_key_or_a_secret_in_plain_text()
    {
        var key = await fixture.Admin.CreateKeyAsync("pat", 5m);
        var client = new ChatClient("gpt-4o-mini", new System.ClientModel.ApiKeyCredential(key.Key), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(fixture.Gateway.BaseUrl + "/v1") });
        await client.CompleteChatAsync([new UserChatMessage("secret check")], new ChatCompletionOptions { MaxOutputTokenCount = 5 });
        await fixture.Admin.RevokeKeyAsync(key.KeyId);
        await Poll.UntilAsync(async () => (await fixture.Ledger.RowsAsync(key.KeyId)).Count > 0, TimeSpan.FromSeconds(10), "the ledger row");

        var secret = key.Key[(key.Key.IndexOf('_', 3) + 1)..];
        var forbidden = new[] { key.Key, secret, GatewayServer.AdminKey, SimulatorServer.ProviderKey };
        var service = new TableServiceClient(TestStorage.ConnectionString);
        var scanned = 0;
        await foreach (var table in service.QueryAsync($"TableName ge '{fixture.Prefix}' and TableName lt '{fixture.Prefix}~'"))
        {
            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                scanned++;
                foreach (var (_, value) in entity)
                {
                    var text = value switch { string s => s, byte[] b => System.Text.Encoding.UTF8.GetString(b), _ => value?.ToString() ?? "" };
                    Assert.DoesNotContain(forbidden, f => text.Contains(f, StringComparison.Ordinal) || entity.RowKey.Contains(f, StringComparison.Ordinal));
                }
            }
        }

        Assert.True(scanned >= 3, $"expected rows to scan (key state, ledger row, admin key), found {scanned}");
    }
}
