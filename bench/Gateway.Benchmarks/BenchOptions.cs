using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>What one run measures and how hard it pushes; parsed from the command line.</summary>
internal sealed record BenchOptions
{
    public int Requests { get; init; } = 8_000;

    public int WarmupRequests { get; init; } = 500;

    public int Concurrency { get; init; } = 32;

    public int Keys { get; init; } = 50;

    /// <summary>Zero by default so the figures show the gateway's own cost, not a provider's think time.</summary>
    public int SimulatorLatencyMs { get; init; }

    public IReadOnlyList<string> Scenarios { get; init; } = [.. Scenario.All.Select(s => s.Name)];

    /// <summary>Whether the hot key is also driven through its grain alone (no HTTP), after the HTTP scenarios.</summary>
    public bool Grain { get; init; } = true;

    public const string Usage =
        """
        Usage: bench.sh [--requests N] [--warmup N] [--concurrency C] [--keys K] [--sim-latency-ms MS]
                        [--scenario NAME[,NAME...]] [--grain on|off|only]
          --requests N        measured requests per scenario (default 8000)
          --warmup N          requests per scenario before measuring, excluded from the figures (default 500)
          --concurrency C     concurrent workers (default 32)
          --keys K            keys the many-keys scenarios spread over (default 50)
          --sim-latency-ms MS simulator delay before answering (default 0)
          --scenario NAMES    all (default), or any of: direct, gateway-keys, gateway-hot, direct-stream, gateway-stream
          --grain on|off|only one hot key through its grain alone, after the scenarios (default on); only: no HTTP scenarios
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

            if (i + 1 >= args.Count)
            {
                throw new BenchUsageException($"{name} needs a value.");
            }

            var value = args[++i];
            options = name switch
            {
                "--requests" => options with { Requests = Positive(name, value) },
                "--warmup" => options with { WarmupRequests = NonNegative(name, value) },
                "--concurrency" => options with { Concurrency = Positive(name, value) },
                "--keys" => options with { Keys = Positive(name, value) },
                "--sim-latency-ms" => options with { SimulatorLatencyMs = NonNegative(name, value) },
                "--scenario" or "--scenarios" => options with { Scenarios = ParseScenarios(value) },
                "--grain" => value switch
                {
                    "on" => options with { Grain = true },
                    "off" => options with { Grain = false },
                    "only" => options with { Grain = true, Scenarios = [] },
                    _ => throw new BenchUsageException("--grain must be on, off or only."),
                },
                _ => throw new BenchUsageException($"Unknown option {name}."),
            };
        }

        return options;
    }

    private static List<string> ParseScenarios(string value)
    {
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Equals("all", StringComparison.OrdinalIgnoreCase)))
        {
            return [.. Scenario.All.Select(s => s.Name)];
        }

        foreach (var name in names)
        {
            if (Scenario.Find(name) is null)
            {
                throw new BenchUsageException($"Unknown scenario '{name}'.");
            }
        }

        return names.Length > 0 ? [.. names.Select(n => Scenario.Find(n)!.Name)] : throw new BenchUsageException("--scenario needs a name.");
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
