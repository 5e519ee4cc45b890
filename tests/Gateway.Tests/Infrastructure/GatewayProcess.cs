using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway binary in a process of its own, in any shape. Killing it is a real crash:
/// no graceful shutdown, no deactivation, no checkpoint.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private int _lineCount;

    private GatewayProcess(Process process, string baseUrl, string role, int siloPort, string instanceId)
    {
        SiloPort = siloPort;
        InstanceId = instanceId;
        _process = process;
        BaseUrl = baseUrl;
        Role = role;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string BaseUrl { get; }
    public string Role { get; }
    public int SiloPort { get; }

    /// <summary>The front-end instance id its ledger rows carry (<c>Gateway:Frontend:InstanceId</c>).</summary>
    public string InstanceId { get; }
    public bool HasExited => _process.HasExited;

    /// <param name="environment">Environment variables the process gets on top of this one's (a managed-identity endpoint, say).</param>
    public static async Task<GatewayProcess> StartAsync(GatewaySettings settings, IReadOnlyDictionary<string, string>? extra = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = FreePorts.Next();
        var args = settings.ToArgs();
        args[Array.IndexOf(args, "--urls") + 1] = $"http://127.0.0.1:{port}";
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HostAssembly());
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            info.ArgumentList.Add("--" + key);
            info.ArgumentList.Add(value);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the gateway process");
        var started = new GatewayProcess(process, $"http://127.0.0.1:{port}", settings.Role, settings.SiloPort, settings.InstanceId);
        await started.WaitHealthyAsync(settings.Role == "silo" ? "/healthz" : "/readyz");
        return started;
    }

    /// <summary>The Gateway.Host built next to this test assembly's configuration (test.sh builds the whole solution first).</summary>
    private static string HostAssembly()
    {
        var testDir = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = testDir.Parent!.Name;
        var root = testDir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Gateway.sln")))
        {
            root = root.Parent;
        }

        var path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("repository root not found"),
            "src", "Gateway.Host", "bin", configuration, testDir.Name, "Gateway.Host.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the solution first (./test.sh does).", path);
    }

    private async Task WaitHealthyAsync(string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Role} process exited with {_process.ExitCode}:\n{Output()}");
            }

            using var response = await http.GetAsync(BaseUrl + path);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(90), $"{Role} at {BaseUrl}{path}");
    }

    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Asks the process to stop as an orchestrator does (SIGTERM), and waits for it to exit; its exit code.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan deadline)
    {
        using (var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            ?? throw new InvalidOperationException("could not run kill"))
        {
            await term.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(deadline);
        return _process.ExitCode;
    }

    public string Output() => string.Join('\n', _output);

    /// <summary>Every line the process has written to stdout and stderr so far (<see cref="Output"/> keeps only the last 400).</summary>
    public int LineCount => Volatile.Read(ref _lineCount);

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        Interlocked.Increment(ref _lineCount);
        _output.Enqueue(line);
        while (_output.Count > 400 && _output.TryDequeue(out _))
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // The test is over: nothing needs handing over, so end it outright.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }

        _process.Dispose();
    }
}
