using Gateway.Core.Keys;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Whose rows an audit query reads: one key's, a user's keys', the keys of a team's members, or
/// (<see cref="All"/>) every key's, the unscoped report. <see cref="Id"/> is normalized (user and team ids lower-cased).
/// </summary>
public sealed record AuditScope(string Kind, string? Id)
{
    public const string Key = "key";
    public const string User = "user";
    public const string Team = "team";
    public const string All = "all";

    public bool IsUnscoped => Kind == All;

    /// <summary>
    /// The keys whose partitions the query reads, resolved through the directory grains (a user's
    /// <c>KeyIds</c>; a team's <c>UserIds</c>, then theirs), in key id order; or 404 for an unknown key,
    /// user or team, or 400 for more keys than one query merges.
    /// </summary>
    public async Task<(IReadOnlyList<string>? KeyIds, ProblemHttpResult? Problem)> ResolveAsync(IGrainFactory grains, int maxKeys)
    {
        IReadOnlyList<string> keyIds;
        switch (Kind)
        {
            case Key:
                if (!ApiKeyFormat.IsValidKeyId(Id!) || await grains.GetGrain<IApiKeyGrain>(Id!).GetSnapshot() is null)
                {
                    return (null, AdminProblems.NotFound($"No key with id '{AdminText.Echo(Id)}'."));
                }

                return ([Id!], null);
            case User:
                if (await grains.GetGrain<IUserGrain>(Id!).Get() is not { } user)
                {
                    return (null, AdminProblems.NotFound($"No user with id '{AdminText.Echo(Id)}'."));
                }

                keyIds = user.KeyIds;
                break;
            case Team:
                if (await grains.GetGrain<ITeamGrain>(Id!).Get() is not { } team)
                {
                    return (null, AdminProblems.NotFound($"No team with id '{AdminText.Echo(Id)}'."));
                }

                var members = await Task.WhenAll(team.UserIds.Select(u => grains.GetGrain<IUserGrain>(u).Get()));
                keyIds = [.. members.OfType<UserSnapshot>().SelectMany(m => m.KeyIds)];
                break;
            default:
                throw new InvalidOperationException($"The {Kind} scope has no keys to resolve.");
        }

        var distinct = keyIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return distinct.Count > maxKeys
            ? (null, AdminProblems.BadRequest($"The {Kind} '{AdminText.Echo(Id)}' has {distinct.Count} keys and one query merges at most {maxKeys}: query its users (userId=…) or keys (keyId=…) one at a time."))
            : (distinct, null);
    }
}
