using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Deploy;

/// <summary>
/// The Bicep CLI from the <c>Azure.Bicep.CommandLine.linux-x64</c> package the test project restores
/// (its path is stamped into this assembly at build), run over the repository's <c>deploy/</c> folder.
/// </summary>
public static class BicepCli
{
    private static readonly Lazy<string> Executable = new(() =>
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"The Bicep CLI is not where the package put it ('{path}'): restore tests/Gateway.Tests.");
        }

        if (!OperatingSystem.IsWindows())
        {
            // NuGet does not always keep the executable bit of a package's file.
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
        }

        return path;
    });

    private static readonly Lazy<JsonObject> Main = new(() => Compile(Path.Combine(DeployFolder, "main.bicep")));

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above the test's folder.");
        }
    }

    public static string DeployFolder => Path.Combine(RepositoryRoot, "deploy");

    /// <summary>main.bicep compiled to ARM JSON, once per run.</summary>
    public static JsonObject MainTemplate => Main.Value;

    /// <summary>main.bicep's ARM JSON as text, quotes unescaped, for looking for expressions in it.</summary>
    public static string MainTemplateText =>
        Main.Value.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public static IEnumerable<string> BicepFiles() =>
        Directory.EnumerateFiles(DeployFolder, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    /// <summary>Runs the CLI; returns its exit code, standard output and standard error (where it reports diagnostics).</summary>
    public static (int ExitCode, string Output, string Diagnostics) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Executable.Value) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // No telemetry or update checks from a test run.
        start.Environment["BICEP_TRACING_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill();
            throw new TimeoutException($"bicep {string.Join(' ', args)} did not finish in 3 minutes.");
        }

        return (process.ExitCode, output, error.Result);
    }

    private static JsonObject Compile(string file)
    {
        var (exit, output, diagnostics) = Run("build", file, "--stdout");
        Assert.True(exit == 0, $"bicep build {file} failed:\n{diagnostics}");
        return JsonNode.Parse(output)!.AsObject();
    }
}
