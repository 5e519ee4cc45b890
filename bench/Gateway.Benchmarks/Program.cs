using System.Runtime.InteropServices;
using Gateway.Benchmarks;

// Measures what the gateway costs on the request path: the same chat completions sent straight to the
// simulator and through an all-in-one gateway, in one process and one run, then checks that the ledger
// charged exactly what the responses reported.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (BenchUsageException ex)
{
    if (ex.Message.Length > 0)
    {
        await Console.Error.WriteLineAsync(ex.Message);
    }

    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return ex.Message.Length > 0 ? 2 : 0;
}

// The embedded hosts' console lifetimes take Ctrl+C and SIGTERM to stop themselves and keep the process
// alive; without this the workers would carry on against stopped servers.
using var interrupted = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
var cancellationToken = interrupted.Token;

var scenarios = options.Scenarios.Select(n => Scenario.Find(n)!).ToList();
var needsGateway = options.Grain || scenarios.Any(s => s.Target != ScenarioTarget.Direct);
var progress = Console.Error;
var output = Console.Out;

await progress.WriteLineAsync("Starting the simulator" + (needsGateway ? $" and an all-in-one gateway (Azurite at {StorageEndpoint()})" : "") + "…");
await using var environment = await TryStartAsync(options, needsGateway);
if (environment is null)
{
    return 1;
}

try
{
    var directKeys = new[] { new BenchKey("provider", BenchEnvironment.ProviderKey) };
    var manyKeys = new List<BenchKey>();
    BenchKey? hotKey = null;
    if (environment.Admin is { } admin)
    {
        if (scenarios.Any(s => s.Target == ScenarioTarget.GatewayManyKeys))
        {
            for (var i = 0; i < options.Keys; i++)
            {
                manyKeys.Add(await admin.CreateKeyAsync($"bench-user-{i % 10}", $"bench-{i}", cancellationToken));
            }
        }

        if (scenarios.Any(s => s.Target == ScenarioTarget.GatewayHotKey))
        {
            hotKey = await admin.CreateKeyAsync("bench-hot", "bench-hot", cancellationToken);
        }
    }

    using var http = LoadClient.Create();
    var runner = new LoadRunner(http, options.Concurrency);
    var results = new List<ScenarioResult>();
    var phases = new List<(string Phase, ScenarioResult Result)>();
    foreach (var scenario in scenarios)
    {
        var (url, keys) = scenario.Target switch
        {
            ScenarioTarget.Direct => (environment.SimulatorUrl, (IReadOnlyList<BenchKey>)directKeys),
            ScenarioTarget.GatewayManyKeys => (environment.GatewayUrl!, manyKeys),
            _ => (environment.GatewayUrl!, [hotKey!]),
        };

        await progress.WriteLineAsync($"  {scenario.Name}: warm-up {options.WarmupRequests:N0}, then {options.Requests:N0} measured…");
        if (options.WarmupRequests > 0)
        {
            phases.Add(("warm-up", await runner.RunAsync(scenario, url, keys, options.WarmupRequests, cancellationToken)));
        }

        var result = await runner.RunAsync(scenario, url, keys, options.Requests, cancellationToken);
        phases.Add(("measured", result));
        results.Add(result);
        await progress.WriteLineAsync($"  {result}");
    }

    await output.WriteLineAsync();
    Report.PrintHeader(options, output);
    Report.PrintResults(results, output);
    foreach (var (phase, result) in phases)
    {
        Report.PrintErrors(phase, result, output);
    }

    if (environment.Admin is not { } ledgerAdmin)
    {
        return 0;
    }

    var ledgerOk = true;
    try
    {
        if (hotKey is not null)
        {
            ledgerOk &= await LedgerCheck.RunAsync(ledgerAdmin, "hot key", [hotKey], output, cancellationToken);
        }

        if (manyKeys.Count > 0)
        {
            ledgerOk &= await LedgerCheck.RunAsync(ledgerAdmin, $"{manyKeys.Count} keys (sum)", manyKeys, output, cancellationToken);
        }
    }
    catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is InvalidOperationException or HttpRequestException or TaskCanceledException)
    {
        await output.WriteLineAsync($"  could not read the keys back: {ex.Message}");
        ledgerOk = false;
    }

    if (options.Grain)
    {
        ledgerOk &= await GrainBench.RunAsync(environment.GatewayServices!, options, output, progress, cancellationToken);
    }

    await output.WriteLineAsync(ledgerOk ? "ledger check: OK" : "ledger check: MISMATCH (see the keys above)");
    return ledgerOk ? 0 : 1;
}
catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
{
    await progress.WriteLineAsync("Interrupted; stopping the gateway and the simulator.");
    return 130;
}

static async Task<BenchEnvironment?> TryStartAsync(BenchOptions options, bool withGateway)
{
    try
    {
        return await BenchEnvironment.StartAsync(options, withGateway);
    }
    catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or HttpRequestException)
    {
        await Console.Error.WriteLineAsync(
            $"The gateway could not reach its storage at {StorageEndpoint()}: {ex.Message}{Environment.NewLine}" +
            "Run ./bench.sh, which starts Azurite when none is listening, or point GATEWAY_TEST_STORAGE at one.");
        return null;
    }
}

void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    interrupted.Cancel();
}

static string StorageEndpoint()
{
    var endpoint = BenchEnvironment.StorageConnectionString.Split(';').FirstOrDefault(p => p.StartsWith("TableEndpoint=", StringComparison.OrdinalIgnoreCase));
    return endpoint is null ? "the configured storage" : endpoint["TableEndpoint=".Length..];
}
