namespace Gateway;

/// <summary>A user's profile fields; null leaves a field as it is (on create, name defaults to the id).</summary>
[GenerateSerializer, Immutable, Alias("Gateway.UserChanges")]
public sealed record UserChanges(
    [property: Id(0)] string? Name,
    [property: Id(1)] string? Email,
    [property: Id(2)] string? TeamId);
