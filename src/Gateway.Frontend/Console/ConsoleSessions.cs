using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Console;

/// <summary>
/// Console sessions, stateless and fleet-safe: the cookie is a Data Protection-protected
/// <see cref="ConsoleSessionTicket"/>, readable by every front-end that shares the key ring
/// (<see cref="TableXmlRepository"/>), so no front-end keeps sessions in memory. Each use re-reads the
/// admin key by its hash, so a revoked admin key's session is refused on the next call.
/// </summary>
public sealed class ConsoleSessions(IDataProtectionProvider protection, AdminKeyStore store, TimeProvider time, IOptions<ConsoleOptions> options)
{
    /// <summary>Not <c>__Host-</c>: that prefix needs Secure, and a console on plain http (local, tests) must still sign in.</summary>
    public const string CookieName = "gateway_console";

    /// <summary>The double-submit header: state-changing calls made with the cookie must carry the session's token in it.</summary>
    public const string CsrfHeader = "X-Gateway-Csrf";

    private readonly IDataProtector _protector = protection.CreateProtector("Gateway.Console.Session.v1");

    public static bool HasCookie(HttpRequest request) => request.Cookies.ContainsKey(CookieName);

    /// <summary>A new session for an admin key: the ticket, and the cookie value that carries it.</summary>
    public (ConsoleSessionTicket Ticket, string Cookie) Issue(AdminKeyRecord admin)
    {
        var now = time.GetUtcNow();
        var ticket = new ConsoleSessionTicket(admin.Hash, admin.Role, now, now + options.Value.SessionLifetime,
            Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)));
        return (ticket, _protector.Protect(JsonSerializer.Serialize(ticket, JsonSerializerOptions.Web)));
    }

    /// <summary>The ticket in a cookie value, or null when it is forged, from another key ring, malformed or expired.</summary>
    public ConsoleSessionTicket? Read(string cookie)
    {
        try
        {
            var ticket = JsonSerializer.Deserialize<ConsoleSessionTicket>(_protector.Unprotect(cookie), JsonSerializerOptions.Web);
            return ticket is not null && time.GetUtcNow() < ticket.ExpiresAt ? ticket : null;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The request's session, checked against the admin key store (revoked key: refused).</summary>
    public async Task<ConsoleSessionCheck> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.Cookies.TryGetValue(CookieName, out var cookie) || Read(cookie ?? "") is not { } ticket)
        {
            return new ConsoleSessionCheck(null, null, "The console session is missing or has expired; sign in again.");
        }

        var admin = await store.FindByHashAsync(ticket.AdminKeyHash, cancellationToken);
        return admin is null
            ? new ConsoleSessionCheck(null, null, "The admin key this console session was opened with has been revoked; sign in again.")
            : new ConsoleSessionCheck(admin, ticket, null);
    }

    /// <summary>Whether the request echoes the session's CSRF token (compared in constant time).</summary>
    public static bool CsrfHolds(HttpRequest request, ConsoleSessionTicket ticket) =>
        request.Headers.TryGetValue(CsrfHeader, out var sent) && sent.Count == 1
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent.ToString()), Encoding.UTF8.GetBytes(ticket.Csrf));

    /// <summary>GET, HEAD and OPTIONS change nothing; every other method made with a cookie needs the CSRF token.</summary>
    public static bool IsSafe(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);

    public static CookieOptions CookieFor(HttpRequest request, DateTimeOffset expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        // The page calls /admin/v1 with it, so it is the whole site's, not /console's alone.
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
