using System.Diagnostics;
using System.Net.Http.Json;

namespace Gateway.Benchmarks;

/// <summary>
/// A proxy under test in a child process (this program again, see <see cref="ChildHost"/>): its CPU
/// time and peak memory come from /proc, so they are the proxy's alone and not the load generator's.
/// </summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    /// <summary>BENCH_GATEWAY_DOTNET_x=v in the benchmark's environment: DOTNET_x=v in the gateway's.</summary>
    private const string GatewayOnlyPrefix = "BENCH_GATEWAY_";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly Task _output;

    private ProxyProcess(Process process, Uri url, HttpClient http, Task output)
    {
        _process = process;
        Url = url;
        _http = http;
        _output = output;
    }

    public Uri Url { get; }

    public int Id => _process.Id;

    public static async Task<ProxyProcess> StartAsync(string mode, IEnumerable<string> settings, HttpClient http, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // The apphost when run as one (dotnet run, bench.sh), else `dotnet Gateway.Benchmarks.dll`.
        var self = Environment.ProcessPath!;
        start.FileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildHost).Assembly.Location);
        }

        start.ArgumentList.Add(mode);
        if (mode == ChildHost.ServeGateway)
        {
            // The gateway runs as Gateway.Host is configured (its RuntimeHostConfigurationOption): this
            // program's own runtimeconfig is the load generator's and the bare forwarder's.
            start.Environment["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0";

            // BENCH_GATEWAY_DOTNET_x=v sets DOTNET_x=v for the gateway alone, to try a runtime setting
            // (the GC, tiering) on it without changing the bare forwarder it is compared with.
            foreach (var (name, value) in GatewayOnlyRuntimeSettings())
            {
                start.Environment[name] = value;
            }
        }
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {self}.");
        try
        {
            var url = await ReadAddressAsync(process, mode, cancellationToken);
            // Whatever else it prints goes to our standard error, beside its logs.
            var output = Task.Run(async () =>
            {
                while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
                {
                    await Console.Error.WriteLineAsync($"[{mode}] {line}");
                }
            }, CancellationToken.None);
            return new ProxyProcess(process, url, http, output);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    private static async Task<Uri> ReadAddressAsync(Process process, string mode, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith(ChildHost.ListeningPrefix, StringComparison.Ordinal))
                {
                    return new Uri(line[ChildHost.ListeningPrefix.Length..]);
                }

                await Console.Error.WriteLineAsync($"[{mode}] {line}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"The {mode} process did not listen within {StartTimeout.TotalSeconds:F0} s.");
        }

        await process.WaitForExitAsync(cancellationToken);
        throw new InvalidOperationException($"The {mode} process exited with {process.ExitCode} before it listened (its errors are above).");
    }

    /// <summary>User + system CPU time of every thread of the process so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// Starts the peak resident set (VmHWM) afresh at the current size, so the next read is this phase's
    /// peak. Writing 5 to /proc/PID/clear_refs does that (Linux 4.0 on); false where it is refused.
    /// </summary>
    public bool ResetPeakMemory()
    {
        try
        {
            File.WriteAllText($"/proc/{_process.Id}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public long PeakMemoryBytes
    {
        get
        {
            _process.Refresh();
            return _process.PeakWorkingSet64;
        }
    }

    /// <summary>The process's JIT work, allocations and collections so far.</summary>
    public async Task<RuntimeCount> ReadRuntimeAsync(CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync<RuntimeCount>(new Uri(Url, ChildHost.RuntimePath), cancellationToken)
        ?? throw new InvalidOperationException("The proxy answered no runtime counts.");

    /// <summary>With <paramref name="start"/>, the gateway starts timing its intents; without, how long each waited to be committed (ms) since then.</summary>
    public async Task<double[]> TakeIntentWaitsAsync(bool start, CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync<double[]>(new Uri(Url, ChildHost.IntentWaitsPath + (start ? "?start=true" : "")), cancellationToken)
        ?? throw new InvalidOperationException("The gateway answered no intent waits.");

    /// <summary>The gateway's storage counters so far.</summary>
    public async Task<StorageCount> ReadStorageAsync(CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync<StorageCount>(new Uri(Url, ChildHost.StorageCountsPath), cancellationToken)
        ?? throw new InvalidOperationException("The gateway answered no storage counts.");

    /// <summary>
    /// Waits until the gateway has written nothing for <paramref name="quiet"/>: settlement, journal
    /// retirement and ledger copies trail the last response byte, and belong to the phase that caused them.
    /// Gives up at <paramref name="deadline"/> and then says so (Quiet false): counts taken from here
    /// include writes of what came before.
    /// </summary>
    public async Task<(StorageCount Count, bool Quiet)> WaitForStorageQuietAsync(TimeSpan quiet, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = await ReadStorageAsync(cancellationToken);
        var lastChange = clock.Elapsed;
        while (clock.Elapsed < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            var now = await ReadStorageAsync(cancellationToken);
            if (now.EntityWrites != last.EntityWrites || now.Batches != last.Batches)
            {
                (last, lastChange) = (now, clock.Elapsed);
            }
            else if (clock.Elapsed - lastChange >= quiet)
            {
                return (now, true);
            }
        }

        return (last, false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // Closing its input is how it is told to stop (see ChildHost).
                _process.StandardInput.Close();
                using var timeout = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync(CancellationToken.None);
                }
            }

            await _output;
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static IEnumerable<(string Name, string Value)> GatewayOnlyRuntimeSettings() =>
        Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith(GatewayOnlyPrefix + "DOTNET_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => (name[GatewayOnlyPrefix.Length..], Environment.GetEnvironmentVariable(name) ?? ""));
}
