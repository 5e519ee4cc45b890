namespace Gateway.Frontend.Console;

/// <summary>
/// What a console session cookie carries, protected by ASP.NET Core Data Protection (encrypted and
/// authenticated): the admin key's hash (never the key), its role at sign-in, when the session ends,
/// and the CSRF token the page must echo on every state-changing call.
/// </summary>
public sealed record ConsoleSessionTicket(string AdminKeyHash, string Role, DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, string Csrf);
