namespace Gateway.Frontend.Admin;

/// <summary>What a handler tells the audit trail about its action: the target and the values before and after.</summary>
public sealed class AdminAuditScope
{
    public string? Target { get; set; }
    public object? Before { get; set; }
    public object? After { get; set; }
}
