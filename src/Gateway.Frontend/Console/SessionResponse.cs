namespace Gateway.Frontend.Console;

/// <summary>
/// The console's session as the page sees it: who, which role (the page hides what the role cannot
/// do), when it ends, and the CSRF token to echo in <c>X-Gateway-Csrf</c>. Never the key.
/// </summary>
public sealed record SessionResponse(string Id, string Name, string Role, DateTimeOffset ExpiresAt, string Csrf);
