using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gateway.Cli.Api;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>--all</c> for a paged list: follows <c>nextCursor</c> to the end and returns every item as one
/// page, with the items exactly as received gathered into <c>{"items": [...]}</c>, so <c>--json</c>
/// keeps fields this CLI does not know.
/// </summary>
internal static class AllPages
{
    public static async Task<ApiResponse<TPage>> FetchAsync<TPage, TItem>(
        AdminApiClient api,
        Func<string?, string> pathAfter,
        string? cursor,
        JsonTypeInfo<TPage> pageType,
        Func<TPage, IReadOnlyList<TItem>?> itemsOf,
        Func<TPage, string?> nextCursorOf,
        Func<IReadOnlyList<TItem>, TPage> combine,
        CancellationToken cancellationToken)
    {
        var items = new List<TItem>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            do
            {
                var page = await api.GetAsync(pathAfter(cursor), pageType, cancellationToken);
                items.AddRange(itemsOf(page.Value) ?? []);
                using (var document = JsonDocument.Parse(page.RawJson))
                {
                    if (document.RootElement.TryGetProperty("items", out var raw) && raw.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var item in raw.EnumerateArray())
                        {
                            item.WriteTo(writer);
                        }
                    }
                }

                cursor = nextCursorOf(page.Value);

                // A cursor that comes back again would page forever; better an error than a hung terminal.
                if (cursor is not null && !seen.Add(cursor))
                {
                    throw new AdminApiException(200, $"unexpected response from the gateway: cursor '{cursor}' was returned twice.", problem: null);
                }
            }
            while (cursor is not null);

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new ApiResponse<TPage>(combine(items), Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
