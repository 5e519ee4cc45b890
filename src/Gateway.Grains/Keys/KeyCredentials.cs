using Gateway.Core.Keys;

namespace Gateway.Grains.Keys;

/// <summary>
/// Who may use a key: its secret (and the previous one while a rotation's grace lasts, both compared
/// in constant time), its status and its expiry. Reads and changes the key's persisted state; the
/// grain makes the change durable.
/// </summary>
public sealed class KeyCredentials(Func<KeyState> state, TimeProvider time)
{
    private KeyState State => state();

    /// <summary>The model allow-list when the secret matches an active, unexpired key; else null.</summary>
    public IReadOnlyList<string>? Authenticate(string secretHash) =>
        State.Exists && State.Status == KeyStatus.Active && Matches(secretHash) && !IsExpired ? State.Models : null;

    /// <summary>Why the presented secret may not use this key (wrong, revoked, expired), or null when it may.</summary>
    public (DenialReason Denial, string Message)? Refusal(string secretHash)
    {
        var s = State;
        if (!Matches(secretHash))
        {
            return (DenialReason.UnknownKey, "Incorrect API key provided.");
        }

        if (s.Status == KeyStatus.Revoked)
        {
            return (DenialReason.Revoked, "This API key has been revoked.");
        }

        return IsExpired ? (DenialReason.Expired, $"This API key expired at {s.ExpiresAt:u}.") : null;
    }

    /// <summary>
    /// The new secret works from this turn on; the old one only within <paramref name="grace"/>
    /// (zero: not at all), then never.
    /// </summary>
    public void Rotate(string newSecretHash, TimeSpan grace)
    {
        var s = State;
        var keepOld = grace > TimeSpan.Zero;
        s.PreviousSecretHash = keepOld ? s.SecretHash : null;
        s.PreviousSecretValidUntil = keepOld ? time.GetUtcNow() + grace : null;
        s.SecretHash = newSecretHash;
    }

    /// <summary>Until when the previous secret still works, or null when it no longer does.</summary>
    public DateTimeOffset? PreviousValidUntil => State.PreviousSecretValidUntil is { } until && until > time.GetUtcNow() ? until : null;

    private bool IsExpired => State.ExpiresAt is { } expires && time.GetUtcNow() >= expires;

    private bool Matches(string presentedHash)
    {
        var s = State;
        var current = ApiKeyFormat.HashesEqual(presentedHash, s.SecretHash);
        var previous = s.PreviousSecretHash is { } old && s.PreviousSecretValidUntil is { } until
            && time.GetUtcNow() < until && ApiKeyFormat.HashesEqual(presentedHash, old);
        return current | previous;
    }
}
