namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/keys/{keyId}/rotate</c>: how long the old secret keeps working.</summary>
public sealed record RotateKeyRequest(int? GraceSeconds);
