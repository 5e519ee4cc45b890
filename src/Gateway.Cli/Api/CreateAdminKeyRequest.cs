namespace Gateway.Cli.Api;

/// <summary>Body of <c>POST /admin/v1/admin-keys</c>. <see cref="Role"/> is <c>admin</c>, <c>auditor</c> or <c>viewer</c>.</summary>
internal sealed record CreateAdminKeyRequest(
    string Name,
    string Role);
