using Microsoft.Extensions.Options;

namespace Gateway.Simulator.Infrastructure;

/// <summary>The served model ids, fixed when the app is built.</summary>
internal sealed class ModelCatalog
{
    /// <summary>A fixed creation time keeps /v1/models byte-for-byte repeatable.</summary>
    public const long CreatedUnixSeconds = 1_700_000_000;

    private readonly HashSet<string> _ids;

    public ModelCatalog(IOptions<SimulatorOptions> options)
    {
        Ids = options.Value.Models.Where(m => !string.IsNullOrWhiteSpace(m)).Select(m => m.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        _ids = new HashSet<string>(Ids, StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Ids { get; }

    public bool Contains(string model) => _ids.Contains(model);

    public static string OwnerOf(string model) =>
        model.StartsWith("claude", StringComparison.OrdinalIgnoreCase) ? "anthropic"
        : model.StartsWith("sim-", StringComparison.OrdinalIgnoreCase) ? "simulator"
        : "openai";
}
