using System.Diagnostics.CodeAnalysis;

namespace Gateway.Core.Ids;

/// <summary>
/// The one rule for user and team ids, used by every admin route and by <c>gatewayctl</c> (which
/// compiles this same file): 1 to 128 ASCII letters, digits, '.', '_', '-' or '@', not made only of
/// dots ('.' and '..' are path navigation in a URL, so such a user could never be addressed).
/// Ids are case-insensitive: they are kept in lower case, so <c>ALICE</c> and <c>alice</c> are one user.
/// No regular expression: .NET's <c>$</c> also matches before a final newline, which let
/// <c>"alice\n"</c> through once.
/// </summary>
#if GATEWAY_CLI
internal
#else
public
#endif
static class EntityId
{
    public const int MaxLength = 128;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1 to 128 letters, digits, '.', '_', '-' or '@' (not only dots)";

    public static bool IsValid([NotNullWhen(true)] string? id)
    {
        if (id is null || id.Length is 0 or > MaxLength)
        {
            return false;
        }

        var onlyDots = true;
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or '@'))
            {
                return false;
            }

            onlyDots &= c == '.';
        }

        return !onlyDots;
    }

    /// <summary>The id as it is kept (lower case) when it is valid.</summary>
    public static bool TryNormalize(string? id, [NotNullWhen(true)] out string? normalized)
    {
        normalized = IsValid(id) ? id.ToLowerInvariant() : null;
        return normalized is not null;
    }
}
