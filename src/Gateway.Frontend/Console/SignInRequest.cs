namespace Gateway.Frontend.Console;

/// <summary>The body of <c>POST /console/session</c>: the admin key, exchanged once for a cookie.</summary>
public sealed record SignInRequest(string? Key);
