using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Gateway.Storage;
using Gateway.Storage.Admin;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// Issue 8, item 17: a generated admin key is shown once where only the operator sees it, and every
/// log holds it masked. The real gateway binary, with its output redirected as run.sh and any service
/// manager redirect it.
/// </summary>
public sealed partial class AdminKeyBootstrapTests
{
    [Fact]
    public async Task A_generated_admin_key_goes_to_its_private_file_and_only_masked_to_the_output()
    {
        var prefix = TestStorage.NewPrefix();
        await TestStorage.CreateTablesAsync(prefix);
        var folder = Directory.CreateTempSubdirectory("gw-admin-key-");
        try
        {
            var file = Path.Combine(folder.FullName, "admin-key");
            var settings = new GatewaySettings(prefix, "boot-" + prefix, "http://127.0.0.1:9")
            {
                Extra = new Dictionary<string, string> { ["Gateway:AdminKey"] = "", ["Gateway:AdminKeyFile"] = file },
            };
            await using var gateway = await GatewayProcess.StartAsync(settings);

            var key = (await File.ReadAllTextAsync(file)).Trim();
            Assert.Matches("^gwadmin_[A-Za-z0-9_-]{40,}$", key);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            using var http = new HttpClient { BaseAddress = new Uri(gateway.BaseUrl) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/admin/v1/admin-audit?limit=1")).StatusCode);

            var output = gateway.Output();
            Assert.DoesNotContain(key[AdminKeyStore.Prefix.Length..], output, StringComparison.Ordinal);
            Assert.Contains(key[..(AdminKeyStore.Prefix.Length + 4)] + "…", output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task With_neither_a_terminal_nor_a_key_file_no_admin_key_is_generated_into_the_log()
    {
        var prefix = TestStorage.NewPrefix();
        var tables = await TestStorage.CreateTablesAsync(prefix);
        var settings = new GatewaySettings(prefix, "boot-" + prefix, "http://127.0.0.1:9")
        {
            Extra = new Dictionary<string, string> { ["Gateway:AdminKey"] = "" },
        };
        await using var gateway = await GatewayProcess.StartAsync(settings);

        var output = gateway.Output();
        Assert.DoesNotMatch(GeneratedKey(), output);
        Assert.Contains("none was generated", output, StringComparison.Ordinal);
        Assert.False(await new AdminKeyStore(tables).IsBootstrappedAsync(CancellationToken.None));
    }

    [GeneratedRegex("gwadmin_[A-Za-z0-9_-]{20,}")]
    private static partial Regex GeneratedKey();
}
