using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A coding-agent CLI (Claude Code, Codex) that <c>./test.sh</c> installs from
/// <c>tests/agents/package-lock.json</c>, run once and non-interactively as a child process: in a
/// throw-away home and working folder, with only the environment it is given, and a deadline.
/// </summary>
public sealed class AgentCli : IDisposable
{
    /// <summary>
    /// Where any traffic that is not for the gateway goes: a closed loopback port (the discard
    /// service), so an update check or telemetry fails at once instead of reaching the internet.
    /// </summary>
    private const string DeadProxy = "http://127.0.0.1:9";

    private readonly string _path;
    private readonly DirectoryInfo _root;

    private AgentCli(string path, string name)
    {
        _path = path;
        _root = Directory.CreateTempSubdirectory($"gateway-{name}-");
        Home = _root.CreateSubdirectory("home").FullName;
        WorkingDirectory = _root.CreateSubdirectory("work").FullName;
    }

    /// <summary>The CLI's <c>HOME</c>: nothing of the user's settings, sessions or credentials.</summary>
    public string Home { get; }

    /// <summary>An empty folder to run in, so the agent finds no project to read.</summary>
    public string WorkingDirectory { get; }

    /// <summary>
    /// The CLI named by <paramref name="variable"/>. A missing one fails the test: skipping would
    /// pass a suite that never ran the agents.
    /// </summary>
    public static AgentCli Locate(string variable, string name)
    {
        var path = Environment.GetEnvironmentVariable(variable);
        Assert.False(string.IsNullOrEmpty(path), $"{variable} is not set: run ./test.sh, which installs {name} from tests/agents/package-lock.json and sets it.");
        Assert.True(File.Exists(path), $"{variable} is {path}, which does not exist: run ./test.sh, which installs {name} from tests/agents/package-lock.json.");
        return new AgentCli(path, name);
    }

    /// <summary>
    /// Runs the CLI with <paramref name="args"/> and an environment of <c>PATH</c>, <c>HOME</c>, the
    /// dead proxy and <paramref name="environment"/>; nothing else of the test process's (no
    /// provider key or base URL of the machine's). Stdin is empty.
    /// </summary>
    public async Task<AgentRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(_path)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = WorkingDirectory,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        info.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";
        info.Environment["HOME"] = Home;
        info.Environment["TMPDIR"] = _root.FullName;
        foreach (var name in new[] { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy" })
        {
            info.Environment[name] = DeadProxy;
        }

        info.Environment["NO_PROXY"] = info.Environment["no_proxy"] = "127.0.0.1,localhost";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            // The npm wrapper of Codex runs the native binary as its child: end the whole tree.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None); // killed: it ends promptly
            Assert.Fail($"{Path.GetFileName(_path)} did not finish within {timeout}.\nstdout: {await stdout}\nstderr: {await stderr}");
        }

        return new AgentRun(process.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A CLI's leftover child may still hold a file; the folder is under the system's temp.
        }
    }
}
