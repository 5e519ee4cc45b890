using System.Collections.Frozen;
using System.Text.Json;

namespace Gateway.Core.Pricing;

/// <summary>
/// One immutable snapshot of per-model prices: read from the prices table (which a JSON price file
/// seeds) and replaced whole when the table changes, so a request sees one consistent table. A model is priced by its exact
/// name, or as a dated snapshot of a priced name (<c>gpt-4o-2024-08-06</c> as <c>gpt-4o</c>,
/// <c>claude-sonnet-4-5-20250929</c> as <c>claude-sonnet-4-5</c>), and by nothing looser: a name that
/// merely starts like a priced one (<c>gpt-5-pro</c>, <c>o3-deep-research</c>) is a different model,
/// often many times dearer. A model with no price is refused unless a default price is configured:
/// fail closed.
/// </summary>
public sealed partial class PriceTable
{
    private readonly FrozenDictionary<string, PriceEntry> _entries;
    private readonly PriceEntry? _default;

    public PriceTable(IReadOnlyDictionary<string, PriceEntry> entries, PriceEntry? defaultEntry = null)
    {
        _entries = entries.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _default = defaultEntry;
    }

    public IEnumerable<string> Models => _entries.Keys;

    /// <summary>Every model's own entry, by name (case-insensitive).</summary>
    public IReadOnlyDictionary<string, PriceEntry> Entries => _entries;

    /// <summary>The price of a model with none of its own, if one is configured; null: such a model is refused.</summary>
    public PriceEntry? Default => _default;

    public static PriceTable Empty { get; } = new(new Dictionary<string, PriceEntry>());

    public bool TryGet(string model, out PriceEntry entry)
    {
        if (_entries.TryGetValue(model, out entry!))
        {
            return true;
        }

        if (SnapshotBase(model) is { } priced && _entries.TryGetValue(priced, out entry!))
        {
            return true;
        }

        entry = _default!;
        return entry is not null;
    }

    /// <summary>
    /// The model a dated snapshot belongs to: the name before a <c>-YYYY-MM-DD</c> (OpenAI) or
    /// <c>-YYYYMMDD</c> (Anthropic) suffix holding a real calendar date; null for anything else.
    /// </summary>
    public static string? SnapshotBase(string model)
    {
        var match = SnapshotSuffix().Match(model);
        if (!match.Success)
        {
            return null;
        }

        var digits = match.Groups["date"].Value.Replace("-", "", StringComparison.Ordinal);
        return DateOnly.TryParseExact(digits, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _)
            ? match.Groups["base"].Value
            : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<base>.+)-(?<date>\d{4}-\d{2}-\d{2}|\d{8})\z")]
    private static partial System.Text.RegularExpressions.Regex SnapshotSuffix();

    /// <summary>Reads a price file; every amount is a USD string per million tokens, parsed exactly.</summary>
    public static PriceTable Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement;
        var entries = new Dictionary<string, PriceEntry>(StringComparer.OrdinalIgnoreCase);
        if (root.TryGetProperty("models", out var models))
        {
            foreach (var model in models.EnumerateObject())
            {
                entries[model.Name] = ParseEntry(model.Name, model.Value);
            }
        }

        PriceEntry? defaultEntry = root.TryGetProperty("default", out var d) && d.ValueKind == JsonValueKind.Object
            ? ParseEntry("default", d)
            : null;
        return new PriceTable(entries, defaultEntry);
    }

    private static PriceEntry ParseEntry(string name, JsonElement value)
    {
        try
        {
            var input = Money.ParseUsd(Read(value, "input") ?? throw new FormatException("missing 'input'"));
            var output = Money.ParseUsd(Read(value, "output") ?? throw new FormatException("missing 'output'"));
            var cachedText = Read(value, "cachedInput");
            var cached = cachedText is null ? input : Money.ParseUsd(cachedText);

            // Absent, a cache write is priced as Anthropic prices it: 1.25x (5 minutes) and 2x (1 hour) the input.
            var write5m = Read(value, "cacheWrite5m") is { } w5 ? Money.ParseUsd(w5) : ModelPrice.DefaultCacheWrite5m(input);
            var write1h = Read(value, "cacheWrite1h") is { } w1 ? Money.ParseUsd(w1) : ModelPrice.DefaultCacheWrite1h(input);
            int? maxOutput = value.TryGetProperty("maxOutputTokens", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : null;
            int? contextWindow = value.TryGetProperty("contextWindow", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32() : null;
            if (maxOutput is < 1 || contextWindow is < 1)
            {
                throw new FormatException("'maxOutputTokens' and 'contextWindow' must be positive");
            }

            var provider = Read(value, "provider");
            return new PriceEntry(new ModelPrice(input, output, cached, write5m, write1h), maxOutput, provider, contextWindow);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new InvalidDataException($"Price file entry '{name}' is invalid: {ex.Message}. Prices are USD strings per million tokens, e.g. \"2.50\".", ex);
        }
    }

    private static string? Read(JsonElement value, string property) =>
        value.TryGetProperty(property, out var p) ? p.ValueKind switch
        {
            JsonValueKind.String => p.GetString(),
            JsonValueKind.Number => p.GetRawText(),
            _ => null,
        } : null;
}
