namespace Gateway.Core.Keys;

/// <summary>Allow-list patterns: an exact model id, or a prefix ending in '*' (<c>gpt-4o*</c>).</summary>
public static class ModelPattern
{
    public static bool IsAllowed(IReadOnlyList<string> patterns, string model)
    {
        if (patterns.Count == 0)
        {
            return true;
        }

        foreach (var pattern in patterns)
        {
            if (pattern == "*"
                || (pattern.EndsWith('*') && model.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.OrdinalIgnoreCase))
                || string.Equals(pattern, model, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
