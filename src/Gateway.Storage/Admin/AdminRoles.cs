namespace Gateway.Storage.Admin;

/// <summary>
/// Admin roles: <c>admin</c> may do everything, <c>auditor</c> reads the audit trails and usage,
/// <c>viewer</c> reads live state. Neither lesser role includes the other.
/// </summary>
public static class AdminRoles
{
    public const string Admin = "admin";
    public const string Auditor = "auditor";
    public const string Viewer = "viewer";

    public static IReadOnlyList<string> All { get; } = [Admin, Auditor, Viewer];

    public static bool IsKnown(string? role) => role is Admin or Auditor or Viewer;

    public static bool Allows(string held, string required) => held == Admin || held == required;
}
