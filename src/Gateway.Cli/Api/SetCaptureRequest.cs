using System.Text.Json.Serialization;

namespace Gateway.Cli.Api;

/// <summary>
/// Body of <c>POST /admin/v1/keys/{keyId}/capture</c>. Switching capture on needs a
/// <see cref="Reason"/>, which the gateway records; switching it off sends none.
/// </summary>
internal sealed record SetCaptureRequest(
    bool Enabled,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);
