namespace Gateway.Frontend.Admin;

/// <summary>
/// A key's model allow-list as the admin API accepts it, at creation and on update: at most
/// <see cref="MaxPatterns"/> patterns, each a model id or a prefix ending in '*' (<c>gpt-4o*</c>), or
/// <c>*</c> alone. Bounded so that a key's state and its admin audit row stay small.
/// </summary>
public static class KeyModels
{
    public const int MaxPatterns = 100;
    public const int MaxPatternLength = 100;

    /// <summary>Null when the list is acceptable, else why not.</summary>
    public static string? Check(IReadOnlyList<string?> models)
    {
        if (models.Count > MaxPatterns)
        {
            return $"models holds at most {MaxPatterns} patterns; got {models.Count}.";
        }

        for (var i = 0; i < models.Count; i++)
        {
            if (models[i] is not { } pattern)
            {
                return $"models[{i}] must be a model pattern (a string), not null or another kind of value.";
            }

            if (!IsPattern(pattern))
            {
                return $"models[{i}] '{AdminText.Echo(pattern)}' is not a model pattern: use a model id of 1 to {MaxPatternLength} letters, digits, '.', '_', ':', '/' or '-', "
                    + "optionally ending in '*' as a prefix (such as 'gpt-4o*'), or '*' alone.";
            }
        }

        return null;
    }

    private static bool IsPattern(string pattern)
    {
        if (pattern == "*")
        {
            return true;
        }

        var id = pattern.EndsWith('*') ? pattern.AsSpan(0, pattern.Length - 1) : pattern.AsSpan();
        if (id.Length is 0 or > MaxPatternLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or ':' or '/' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
