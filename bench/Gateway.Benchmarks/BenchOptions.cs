using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>What one run measures and how hard it pushes; parsed from the command line.</summary>
internal sealed record BenchOptions
{
    public int Requests { get; init; } = 30_000;

    public int WarmupRequests { get; init; } = 500;

    /// <summary>
    /// Requests of each scenario a fresh proxy process is sent before any is measured. 500 left the
    /// first scenario measured paying for the JIT's tier-up: the forwarder's CPU per response was 2-3x
    /// its settled figure; at 3000 the forwarder's four scenarios agree.
    /// </summary>
    public int ProcessWarmupRequests { get; init; } = 3_000;

    /// <summary>Clients of the non-streamed scenarios (issue 10: 64).</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Clients of the streamed scenarios (issue 10: 16).</summary>
    public int StreamConcurrency { get; init; } = 16;

    public int Keys { get; init; } = 50;

    /// <summary>Zero by default so the figures show the gateway's own cost, not a provider's think time.</summary>
    public int SimulatorLatencyMs { get; init; }

    public IReadOnlyList<Scenario> Scenarios { get; init; } = Scenario.Issue10;

    /// <summary>Requests sent by one client to the bare forwarder and to the gateway, for the added p50; 0 skips it.</summary>
    public int LatencyRequests { get; init; } = 1_000;

    /// <summary>A file that gets every measured request's start and latency, per scenario (null: none).</summary>
    public string? Timeline { get; init; }

    /// <summary>Whether the grain figures run after the HTTP scenarios: one hot key through its grain, and the memory of many active keys.</summary>
    public bool Grain { get; init; } = true;

    /// <summary>Key grains activated for the memory figure; 0 skips it.</summary>
    public int Grains { get; init; } = 100_000;

    /// <summary>The longest the activations may take: past it the figure is of the grains reached, extrapolated.</summary>
    public int GrainsSeconds { get; init; } = 300;

    /// <summary>
    /// Delays each way, in milliseconds, between a front-end and the silo for the regions run; null: the
    /// ordinary run. Set, the run is only this: a silo and a front-end in processes of their own with a
    /// delaying relay between, one client, the added latency per delay (docs/regions.md).
    /// </summary>
    public IReadOnlyList<int>? RegionDelaysMs { get; init; }

    public static IReadOnlyList<int> DefaultRegionDelaysMs { get; } = [0, 40];

    /// <summary>Set, the run is only the prompt-token-count figures, in this process (<see cref="TokenCountBench"/>).</summary>
    public bool Tokens { get; init; }

    public int ConcurrencyOf(Scenario scenario) => scenario.Streaming ? StreamConcurrency : Concurrency;

    public const string Usage =
        """
        Usage: bench.sh [--preset issue10] [--scenario NAME[,NAME...]] [--requests N] [--warmup N]
                        [--process-warmup N] [--concurrency C] [--stream-concurrency C] [--keys K] [--latency-requests N]
                        [--sim-latency-ms MS] [--grain on|off|only] [--grains N] [--grains-seconds S] [--timeline FILE]
               bench.sh --regions [MS[,MS...]] [--latency-requests N] [--process-warmup N]
               bench.sh --tokens
          --preset issue10         the default: issue 10's scenarios, clients and figures (see docs/benchmark.md)
          --scenario NAMES         issue10 (default), all, yarp, gateway, or any of: direct, direct-stream,
                                   yarp-keys, yarp-hot, yarp-keys-stream, yarp-hot-stream, gateway-keys,
                                   gateway-hot, gateway-keys-stream (or gateway-stream), gateway-hot-stream
          --requests N             measured requests per scenario (default 30000)
          --warmup N               requests per scenario before measuring, excluded from the figures (default 500)
          --process-warmup N       requests of each scenario a fresh proxy process gets before any is measured,
                                   so the first measured does not pay for the JIT's tier-up (default 3000)
          --concurrency C          clients of the non-streamed scenarios (default 64)
          --stream-concurrency C   clients of the streamed scenarios (default 16)
          --keys K                 keys of the many-keys workload, each of its own user (default 50)
          --latency-requests N     requests from one client to the bare forwarder and the gateway, for the
                                   added p50; 0 skips it (default 1000)
          --sim-latency-ms MS      simulator delay before answering (default 0)
          --timeline FILE          every measured request of every scenario into FILE, one line each: the
                                   scenario, when it started (ms into the phase) and its latency in ms
                                   ("failed" when it failed); for finding when the slow ones happened
          --grain on|off|only      after the scenarios, one hot key through its grain alone and the memory
                                   of many active key grains (default on); only: no HTTP scenarios
          --grains N               key grains activated for the memory figure; 0 skips it (default 100000)
          --grains-seconds S       the longest the activations may take before the figure is extrapolated (default 300)
          --regions [MS,...]       instead of the above: a silo and a front-end in processes of their own with a
                                   relay between that delays each way by each MS in turn (default 0,40), and
                                   the latency of --latency-requests requests from one client at each
                                   (docs/regions.md)
          --tokens                 instead of the above: what counting coding agents' growing prompts costs, with
                                   and without the cache of long texts' counts, in this process (docs/benchmark.md)
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                throw new BenchUsageException(null);
            }

            if (name == "--tokens")
            {
                options = options with { Tokens = true };
                continue;
            }

            if (name == "--regions")
            {
                // Its value is optional: alone, or followed by another option, it means the default delays.
                var delays = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? ParseDelays(args[++i])
                    : DefaultRegionDelaysMs;
                options = options with { RegionDelaysMs = delays };
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new BenchUsageException($"{name} needs a value.");
            }

            var value = args[++i];
            options = name switch
            {
                "--preset" => value.Equals("issue10", StringComparison.OrdinalIgnoreCase)
                    ? options with { Scenarios = Scenario.Issue10, Concurrency = 64, StreamConcurrency = 16, Keys = 50 }
                    : throw new BenchUsageException($"Unknown preset '{value}': the one preset is issue10."),
                "--requests" => options with { Requests = Positive(name, value) },
                "--warmup" => options with { WarmupRequests = NonNegative(name, value) },
                "--process-warmup" => options with { ProcessWarmupRequests = NonNegative(name, value) },
                "--concurrency" => options with { Concurrency = Positive(name, value) },
                "--stream-concurrency" => options with { StreamConcurrency = Positive(name, value) },
                "--keys" => options with { Keys = Positive(name, value) },
                "--latency-requests" => options with { LatencyRequests = NonNegative(name, value) },
                "--sim-latency-ms" => options with { SimulatorLatencyMs = NonNegative(name, value) },
                "--timeline" => options with { Timeline = value },
                "--scenario" or "--scenarios" => options with { Scenarios = ParseScenarios(value) },
                "--grain" => value switch
                {
                    "on" => options with { Grain = true },
                    "off" => options with { Grain = false },
                    "only" => options with { Grain = true, Scenarios = [], LatencyRequests = 0 },
                    _ => throw new BenchUsageException("--grain must be on, off or only."),
                },
                "--grains" => options with { Grains = NonNegative(name, value) },
                "--grains-seconds" => options with { GrainsSeconds = Positive(name, value) },
                _ => throw new BenchUsageException($"Unknown option {name}."),
            };
        }

        return options.RegionDelaysMs is not null && options.LatencyRequests == 0
            ? throw new BenchUsageException("--regions measures --latency-requests requests at each delay: it needs more than 0.")
            : options;
    }

    /// <summary>Run in the canonical order whatever order they were named in, so that each gateway scenario follows its floor.</summary>
    private static List<Scenario> ParseScenarios(string value)
    {
        var chosen = new HashSet<Scenario>();
        foreach (var name in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            chosen.UnionWith(Scenario.Resolve(name) ?? throw new BenchUsageException($"Unknown scenario '{name}'."));
        }

        return chosen.Count > 0 ? [.. Scenario.All.Where(chosen.Contains)] : throw new BenchUsageException("--scenario needs a name.");
    }

    private static List<int> ParseDelays(string value)
    {
        var delays = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(d => NonNegative("--regions", d)).ToList();
        return delays.Count > 0 ? delays : throw new BenchUsageException("--regions needs delays in milliseconds, such as 0,40.");
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new BenchUsageException($"{name} must be a positive integer, not '{value}'.");

    private static int NonNegative(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new BenchUsageException($"{name} must be a non-negative integer, not '{value}'.");
}
