using System.Collections.Frozen;
using System.Text.Json;

namespace Gateway.Core.Pricing;

/// <summary>
/// Per-model prices loaded once at start-up from a JSON price file. Lookup is exact first, then the
/// longest priced name that the model extends with a dash (so <c>gpt-4o-2024-08-06</c> is priced as
/// <c>gpt-4o</c>). A model with no price is refused unless a default price is configured: fail closed.
/// </summary>
public sealed class PriceTable
{
    private readonly FrozenDictionary<string, PriceEntry> _entries;
    private readonly PriceEntry? _default;

    public PriceTable(IReadOnlyDictionary<string, PriceEntry> entries, PriceEntry? defaultEntry = null)
    {
        _entries = entries.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _default = defaultEntry;
    }

    public IEnumerable<string> Models => _entries.Keys;

    public bool TryGet(string model, out PriceEntry entry)
    {
        if (_entries.TryGetValue(model, out entry!))
        {
            return true;
        }

        PriceEntry? best = null;
        var bestLength = 0;
        foreach (var (name, candidate) in _entries)
        {
            if (name.Length > bestLength && model.Length > name.Length
                && model.StartsWith(name, StringComparison.OrdinalIgnoreCase) && model[name.Length] == '-')
            {
                best = candidate;
                bestLength = name.Length;
            }
        }

        entry = best ?? _default!;
        return entry is not null;
    }

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
            int? maxOutput = value.TryGetProperty("maxOutputTokens", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : null;
            var provider = Read(value, "provider");
            return new PriceEntry(new ModelPrice(input, output, cached), maxOutput, provider);
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
