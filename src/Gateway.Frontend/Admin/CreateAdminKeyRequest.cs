namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/admin-keys</c>.</summary>
public sealed record CreateAdminKeyRequest(string? Name, string? Role);
