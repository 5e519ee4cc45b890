using System.Runtime.InteropServices;
using Gateway.Benchmarks;

// Measures what the gateway costs on the request path against a bare YARP forwarder to the same
// simulator, in one run (see docs/benchmark.md), then checks that the ledger charged exactly what the
// responses reported. Started with serve-gateway or serve-forwarder, it is instead one of the proxies
// under test, in a process of its own.
if (ChildHost.IsChild(args))
{
    return await ChildHost.RunAsync(args);
}

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

if (options.Tokens)
{
    return new TokenCountBench(Console.Out).Run();
}

// The embedded hosts' console lifetimes take Ctrl+C and SIGTERM to stop themselves and keep the process
// alive; without this the workers would carry on against stopped servers.
using var interrupted = new CancellationTokenSource();
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
var cancellationToken = interrupted.Token;

await Console.Error.WriteLineAsync("Starting the simulator…");
await using var environment = await BenchEnvironment.StartAsync(options);
try
{
    return options.RegionDelaysMs is { } delays
        ? await new RegionsRun(options, Console.Out, Console.Error).RunAsync(environment, delays, cancellationToken)
        : await new BenchRun(options, Console.Out, Console.Error).RunAsync(environment, cancellationToken);
}
catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("Interrupted; stopping the proxies and the simulator.");
    return 130;
}
catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or HttpRequestException)
{
    await Console.Error.WriteLineAsync(
        $"Storage at {BenchRun.StorageEndpoint()} could not be used: {ex.Message}{Environment.NewLine}" +
        "Run ./bench.sh, which starts Azurite when none is listening, or point GATEWAY_TEST_STORAGE at one.");
    return 1;
}

void Interrupt(PosixSignalContext context)
{
    context.Cancel = true;
    interrupted.Cancel();
}
