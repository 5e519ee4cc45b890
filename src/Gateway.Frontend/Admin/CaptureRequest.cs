namespace Gateway.Frontend.Admin;

/// <summary>Body of <c>POST /admin/v1/keys/{keyId}/capture</c>: switching capture on needs a reason, which is recorded.</summary>
public sealed record CaptureRequest(bool? Enabled, string? Reason);
