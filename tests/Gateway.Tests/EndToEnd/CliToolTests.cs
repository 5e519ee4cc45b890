using System.Diagnostics;

namespace Gateway.Tests.EndToEnd;

/// <summary>
/// <c>gatewayctl</c> as operators install it: packed as a .NET tool from the repository and
/// installed from that package, then run by its command name; and its tab completion, which
/// System.CommandLine's <c>[suggest]</c> directive answers for <c>dotnet-suggest</c>.
/// </summary>
public sealed class CliToolTests
{
    [Fact]
    public async Task Gatewayctl_packs_as_a_dotnet_tool_that_installs_and_runs_by_its_command_name()
    {
        var root = Path.Combine(Path.GetTempPath(), "gatewayctl-tool-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

            // The build the suite runs on already compiled it: pack that, as README's install line does.
            var packed = await RunAsync("dotnet", ["pack", Path.Combine(RepositoryRoot(), "src", "Gateway.Cli"), "-c", configuration, "--no-build", "-o", root, "-nologo"]);
            Assert.True(packed.Exit == 0, packed.Output);
            Assert.Single(Directory.GetFiles(root, "Gateway.Cli.*.nupkg"));

            var installed = await RunAsync("dotnet", ["tool", "install", "--tool-path", Path.Combine(root, "tools"), "--add-source", root, "Gateway.Cli"]);
            Assert.True(installed.Exit == 0, installed.Output);

            var help = await RunAsync(Path.Combine(root, "tools", "gatewayctl"), ["--help"]);
            Assert.True(help.Exit == 0, help.Output);
            Assert.Contains("upstreams", help.Output, StringComparison.Ordinal);

            // No admin key: a usage error (2) before anything is sent, from the installed tool itself.
            var refused = await RunAsync(Path.Combine(root, "tools", "gatewayctl"), ["prices", "list"], new Dictionary<string, string?> { ["GATEWAY_ADMIN_KEY"] = null });
            Assert.Equal(2, refused.Exit);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("keys cr", 7, "create")]
    [InlineData("prices ", 7, "import|list|get|set|remove")]
    [InlineData("ups", 3, "upstreams")]
    public async Task Tab_completion_answers_the_suggest_directive(string line, int position, string expected)
    {
        var stdout = new StringWriter();
        var exit = await Gateway.Cli.GatewayCtl.RunAsync([$"[suggest:{position}]", line], stdout, new StringWriter(), new Dictionary<string, string?>());

        Assert.Equal(0, exit);
        var suggestions = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(suggestions, s => expected.Split('|').Contains(s));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output + await error);
    }
}
