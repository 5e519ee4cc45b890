using Gateway.Core.Keys;
using System.Net.Mail;
using Gateway.Core.Ids;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>
/// Users, teams, and listing keys by user or team. User and team ids follow <see cref="EntityId"/>
/// on every route and are case-insensitive: each is lower-cased before it reaches a grain.
/// </summary>
public static class DirectoryEndpoints
{
    public const int MaxNameLength = 128;
    private const int MaxEmailLength = 254;

    public static RouteGroupBuilder MapDirectoryApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/users", CreateUserAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "user.create", Mutates: true));
        admin.MapGet("/users/{id}", GetUserAsync).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "user.read", Mutates: false));
        admin.MapPatch("/users/{id}", UpdateUserAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "user.update", Mutates: true));
        admin.MapPost("/users/{id}/deactivate", DeactivateUserAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "user.deactivate", Mutates: true));
        admin.MapPost("/teams", CreateTeamAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "team.create", Mutates: true));
        admin.MapPatch("/teams/{id}", UpdateTeamAsync).WithMetadata(new AdminRequirement(AdminRoles.Admin, "team.update", Mutates: true));
        admin.MapGet("/teams/{id}", GetTeamAsync).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "team.read", Mutates: false));
        admin.MapGet("/keys", ListKeysAsync).WithMetadata(new AdminRequirement(AdminRoles.Viewer, "key.list", Mutates: false));
        return admin;
    }

    private static async Task<Results<Created<UserResponse>, ProblemHttpResult>> CreateUserAsync(HttpContext context, IGrainFactory grains)
    {
        var (request, error) = await AdminJson.ReadAsync<UserRequest>(context, """{"id": "alice", "name": "Alice", "email": "alice@example.com", "teamId": "platform", "capUsd": 100, "period": "monthly"}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        if (!EntityId.TryNormalize(request.Id, out var id))
        {
            return AdminProblems.BadRequest($"id is required: {EntityId.Rule}.");
        }

        var (teamId, invalid) = Validate(request);
        if (invalid is not null)
        {
            return invalid;
        }

        if (teamId is not null && await grains.GetGrain<ITeamGrain>(teamId).Get() is null)
        {
            return AdminProblems.NotFound($"No team with id '{teamId}'.");
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm,
            SpendControlFields.Level.User, request.MaxRequestUsd, request.MaxInputTokens, request.MaxConcurrent, request.VelocityUsdPerHour, request.VelocityMultiple);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        scope.Target = id;
        var grain = grains.GetGrain<IUserGrain>(id);
        var user = await grain.Create(new UserChanges(request.Name, request.Email, teamId));
        if (user is null)
        {
            return AdminProblems.Conflict($"A user with id '{id}' already exists (ids are case-insensitive).");
        }

        if (!budget.IsEmpty)
        {
            user = (await grain.SetBudget(budget))!;
        }

        var response = UserResponse.From(user);
        scope.After = response;
        return TypedResults.Created($"/admin/v1/users/{user.Id}", response);
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUserAsync(string id, IGrainFactory grains) =>
        EntityId.TryNormalize(id, out var userId) && await grains.GetGrain<IUserGrain>(userId).Get() is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : NoUser(id);

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UpdateUserAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var (request, error) = await AdminJson.ReadAsync<UserRequest>(context, """{"name": "Alice B", "teamId": "platform", "capUsd": 200, "period": "monthly", "rpm": 120}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        var (teamId, invalid) = Validate(request);
        if (invalid is not null)
        {
            return invalid;
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm,
            SpendControlFields.Level.User, request.MaxRequestUsd, request.MaxInputTokens, request.MaxConcurrent, request.VelocityUsdPerHour, request.VelocityMultiple);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        if (!EntityId.TryNormalize(id, out var userId) || await grains.GetGrain<IUserGrain>(userId).Get() is not { } before)
        {
            return NoUser(id);
        }

        if (teamId is not null && await grains.GetGrain<ITeamGrain>(teamId).Get() is null)
        {
            return AdminProblems.NotFound($"No team with id '{teamId}'.");
        }

        var grain = grains.GetGrain<IUserGrain>(userId);
        var after = (await grain.Update(new UserChanges(request.Name, request.Email, teamId)))!;
        if (!budget.IsEmpty)
        {
            after = (await grain.SetBudget(budget))!;
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Target, scope.Before, scope.After) = (userId, UserResponse.From(before), UserResponse.From(after));
        return TypedResults.Ok(UserResponse.From(after));
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> DeactivateUserAsync(string id, HttpContext context, IGrainFactory grains)
    {
        if (!EntityId.TryNormalize(id, out var userId) || await grains.GetGrain<IUserGrain>(userId).Get() is not { } before)
        {
            return NoUser(id);
        }

        var caller = AdminAuthorizationFilter.Caller(context);
        var after = await grains.GetGrain<IUserGrain>(userId).Deactivate($"admin:{caller.Id}");
        if (after is null)
        {
            return NoUser(id);
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Target, scope.Before, scope.After) = (userId, new { status = UserResponse.From(before).Status }, new { status = UserResponse.From(after).Status, revokedKeys = after.KeyIds });
        return TypedResults.Ok(UserResponse.From(after));
    }

    private static async Task<Results<Created<TeamResponse>, ProblemHttpResult>> CreateTeamAsync(HttpContext context, IGrainFactory grains)
    {
        var (request, error) = await AdminJson.ReadAsync<TeamRequest>(context, """{"id": "platform", "name": "Platform team", "capUsd": 1000, "period": "monthly"}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        if (!EntityId.TryNormalize(request.Id, out var id))
        {
            return AdminProblems.BadRequest($"id is required: {EntityId.Rule}.");
        }

        if (request.Name is { } name && AdminText.Check("name", name, MaxNameLength) is { } badName)
        {
            return AdminProblems.BadRequest(badName);
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm,
            SpendControlFields.Level.Team, request.MaxRequestUsd, request.MaxInputTokens, request.MaxConcurrent, request.VelocityUsdPerHour, request.VelocityMultiple);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        scope.Target = id;
        var grain = grains.GetGrain<ITeamGrain>(id);
        var team = await grain.Create(request.Name ?? id);
        if (team is null)
        {
            return AdminProblems.Conflict($"A team with id '{id}' already exists (ids are case-insensitive).");
        }

        if (!budget.IsEmpty)
        {
            team = (await grain.SetBudget(budget))!;
        }

        var response = TeamResponse.From(team);
        scope.After = response;
        return TypedResults.Created($"/admin/v1/teams/{team.Id}", response);
    }

    private static async Task<Results<Ok<TeamResponse>, ProblemHttpResult>> UpdateTeamAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var (request, error) = await AdminJson.ReadAsync<TeamRequest>(context, """{"name": "Platform engineering", "capUsd": 2000, "period": "monthly"}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        if (request.Name is { } name && AdminText.Check("name", name, MaxNameLength) is { } badName)
        {
            return AdminProblems.BadRequest(badName);
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm,
            SpendControlFields.Level.Team, request.MaxRequestUsd, request.MaxInputTokens, request.MaxConcurrent, request.VelocityUsdPerHour, request.VelocityMultiple);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        if (request.Name is null && budget.IsEmpty)
        {
            return AdminProblems.BadRequest("Give at least one of name, capUsd, period, rpm, tpm, maxRequestUsd, maxInputTokens.");
        }

        if (!EntityId.TryNormalize(id, out var teamId) || await grains.GetGrain<ITeamGrain>(teamId).Get() is not { } before)
        {
            return NoTeam(id);
        }

        var grain = grains.GetGrain<ITeamGrain>(teamId);
        var after = before;
        if (request.Name is { } newName)
        {
            after = (await grain.Rename(newName))!;
        }

        if (!budget.IsEmpty)
        {
            after = (await grain.SetBudget(budget))!;
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Target, scope.Before, scope.After) = (teamId, new { name = before.Name, limits = before.Budget.Limits }, new { name = after.Name, limits = after.Budget.Limits });
        return TypedResults.Ok(TeamResponse.From(after));
    }

    private static async Task<Results<Ok<TeamResponse>, ProblemHttpResult>> GetTeamAsync(string id, IGrainFactory grains) =>
        EntityId.TryNormalize(id, out var teamId) && await grains.GetGrain<ITeamGrain>(teamId).Get() is { } team
            ? TypedResults.Ok(TeamResponse.From(team))
            : NoTeam(id);

    /// <summary>Keys of a user, or of every member of a team, with live state, in pages ordered by key id.</summary>
    private static async Task<Results<Ok<KeyPage>, ProblemHttpResult>> ListKeysAsync(IGrainFactory grains, string? userId, string? teamId, int? limit, string? cursor)
    {
        if ((userId is null) == (teamId is null))
        {
            return AdminProblems.BadRequest("Give exactly one of userId or teamId.");
        }

        if (limit is < 1 or > 500)
        {
            return AdminProblems.BadRequest("limit must be between 1 and 500.");
        }

        if (cursor is not null && !ApiKeyFormat.IsValidKeyId(cursor))
        {
            // The cursor is the last key id of the page before: anything else did not come from this API.
            return AdminProblems.BadRequest("cursor is not one this API gave out: pass the nextCursor of the previous page, or none for the first page.");
        }

        IEnumerable<string> userIds;
        if (userId is not null)
        {
            if (!EntityId.TryNormalize(userId, out var normalized))
            {
                return NoUser(userId);
            }

            userIds = [normalized];
        }
        else if (EntityId.TryNormalize(teamId, out var normalizedTeam) && await grains.GetGrain<ITeamGrain>(normalizedTeam).Get() is { } team)
        {
            userIds = team.UserIds;
        }
        else
        {
            return NoTeam(teamId);
        }

        var keyIds = new List<string>();
        foreach (var id in userIds)
        {
            if (await grains.GetGrain<IUserGrain>(id).Get() is not { } user)
            {
                if (userId is not null)
                {
                    return NoUser(userId);
                }

                continue;
            }

            keyIds.AddRange(user.KeyIds);
        }

        var remaining = keyIds.Order(StringComparer.Ordinal)
            .Where(k => cursor is null || string.CompareOrdinal(k, cursor) > 0)
            .ToList();
        var page = remaining.Take(limit ?? 100).ToList();
        var snapshots = await Task.WhenAll(page.Select(k => grains.GetGrain<IApiKeyGrain>(k).GetSnapshot()));
        var items = snapshots.OfType<KeySnapshot>().Select(s => KeyResponse.From(s)).ToList();
        var more = remaining.Count > page.Count;
        return TypedResults.Ok(new KeyPage(items, more ? page[^1] : null));
    }

    /// <summary>Name, email and team of a user; the team id lower-cased, or why the request is refused.</summary>
    private static (string? TeamId, ProblemHttpResult? Invalid) Validate(UserRequest request)
    {
        if (request.Name is { } name && AdminText.Check("name", name, MaxNameLength) is { } badName)
        {
            return (null, AdminProblems.BadRequest(badName));
        }

        if (request.Email is { } email && (email.Length > MaxEmailLength || AdminText.HasForbiddenCharacter(email)
            || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            return (null, AdminProblems.BadRequest($"'{AdminText.Echo(email)}' is not an email address (at most {MaxEmailLength} characters, such as alice@example.com)."));
        }

        if (request.TeamId is null)
        {
            return (null, null);
        }

        return EntityId.TryNormalize(request.TeamId, out var teamId)
            ? (teamId, null)
            : (null, AdminProblems.BadRequest($"teamId must be {EntityId.Rule}."));
    }

    private static ProblemHttpResult NoUser(string? id) => AdminProblems.NotFound($"No user with id '{AdminText.Echo(id)}'.");

    private static ProblemHttpResult NoTeam(string? id) => AdminProblems.NotFound($"No team with id '{AdminText.Echo(id)}'.");
}
