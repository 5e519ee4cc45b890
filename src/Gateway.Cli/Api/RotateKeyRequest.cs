namespace Gateway.Cli.Api;

/// <summary>Body of <c>POST /admin/v1/keys/{keyId}/rotate</c>.</summary>
internal sealed record RotateKeyRequest(int GraceSeconds);
