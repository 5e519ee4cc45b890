using System.Globalization;

namespace Gateway.Core.Ids;

/// <summary>
/// A request's id: a version 7 UUID made from the time its front-end began it, as 32 lower-case hex
/// digits (the <c>x-gateway-request-id</c> header). Its first 48 bits are that time in Unix
/// milliseconds, so whoever holds the id alone can tell when the request began, on its front-end's clock.
/// </summary>
public static class RequestIds
{
    /// <summary>A new request id for a request begun at <paramref name="startedAt"/>.</summary>
    public static string New(DateTimeOffset startedAt) => Guid.CreateVersion7(startedAt).ToString("N");

    /// <summary>
    /// When the request began (to the millisecond), read from its id; null for an id not made by
    /// <see cref="New"/> (not 32 hex digits of a version 7 UUID).
    /// </summary>
    public static DateTimeOffset? StartedAt(string requestId)
    {
        if (requestId.Length != 32 || !Guid.TryParseExact(requestId, "N", out var id) || id.Version != 7)
        {
            return null;
        }

        var milliseconds = long.Parse(requestId.AsSpan(0, 12), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }
}
