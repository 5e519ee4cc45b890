using System.Net.Mail;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Storage.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Frontend.Admin;

/// <summary>Users, teams, and listing keys by user or team.</summary>
public static partial class DirectoryEndpoints
{
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

        if (!IsValidId(request.Id))
        {
            return AdminProblems.BadRequest("id is required: 1 to 128 letters, digits, '.', '_', '-' or '@'.");
        }

        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        if (request.TeamId is { } teamId && await grains.GetGrain<ITeamGrain>(teamId).Get() is null)
        {
            return AdminProblems.NotFound($"No team with id '{teamId}'.");
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        var grain = grains.GetGrain<IUserGrain>(request.Id!);
        var user = await grain.Create(new UserChanges(request.Name, request.Email, request.TeamId));
        if (user is null)
        {
            return AdminProblems.Conflict($"A user with id '{request.Id}' already exists.");
        }

        if (!budget.IsEmpty)
        {
            user = (await grain.SetBudget(budget))!;
        }

        var response = UserResponse.From(user);
        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Target, scope.After) = (user.Id, response);
        return TypedResults.Created($"/admin/v1/users/{user.Id}", response);
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> GetUserAsync(string id, IGrainFactory grains) =>
        IsValidId(id) && await grains.GetGrain<IUserGrain>(id).Get() is { } user
            ? TypedResults.Ok(UserResponse.From(user))
            : AdminProblems.NotFound($"No user with id '{id}'.");

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> UpdateUserAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var (request, error) = await AdminJson.ReadAsync<UserRequest>(context, """{"name": "Alice B", "teamId": "platform", "capUsd": 200, "period": "monthly", "rpm": 120}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        if (Validate(request) is { } invalid)
        {
            return invalid;
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        var grain = grains.GetGrain<IUserGrain>(id);
        var before = IsValidId(id) ? await grain.Get() : null;
        if (before is null)
        {
            return AdminProblems.NotFound($"No user with id '{id}'.");
        }

        if (request.TeamId is { } teamId && await grains.GetGrain<ITeamGrain>(teamId).Get() is null)
        {
            return AdminProblems.NotFound($"No team with id '{teamId}'.");
        }

        var after = (await grain.Update(new UserChanges(request.Name, request.Email, request.TeamId)))!;
        if (!budget.IsEmpty)
        {
            after = (await grain.SetBudget(budget))!;
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Before, scope.After) = (UserResponse.From(before), UserResponse.From(after));
        return TypedResults.Ok(UserResponse.From(after));
    }

    private static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> DeactivateUserAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var caller = AdminAuthorizationFilter.Caller(context);
        var grain = grains.GetGrain<IUserGrain>(id);
        var before = IsValidId(id) ? await grain.Get() : null;
        var after = before is null ? null : await grain.Deactivate($"admin:{caller.Id}");
        if (after is null)
        {
            return AdminProblems.NotFound($"No user with id '{id}'.");
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Before, scope.After) = (new { status = UserResponse.From(before!).Status }, new { status = UserResponse.From(after).Status, revokedKeys = after.KeyIds });
        return TypedResults.Ok(UserResponse.From(after));
    }

    private static async Task<Results<Created<TeamResponse>, ProblemHttpResult>> CreateTeamAsync(HttpContext context, IGrainFactory grains)
    {
        var (request, error) = await AdminJson.ReadAsync<TeamRequest>(context, """{"id": "platform", "name": "Platform team", "capUsd": 1000, "period": "monthly"}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        if (!IsValidId(request.Id))
        {
            return AdminProblems.BadRequest("id is required: 1 to 128 letters, digits, '.', '_', '-' or '@'.");
        }

        if (request.Name is { Length: > 128 })
        {
            return AdminProblems.BadRequest("name is at most 128 characters.");
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        var grain = grains.GetGrain<ITeamGrain>(request.Id!);
        var team = await grain.Create(request.Name ?? request.Id!);
        if (team is null)
        {
            return AdminProblems.Conflict($"A team with id '{request.Id}' already exists.");
        }

        if (!budget.IsEmpty)
        {
            team = (await grain.SetBudget(budget))!;
        }

        var response = TeamResponse.From(team);
        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Target, scope.After) = (team.Id, response);
        return TypedResults.Created($"/admin/v1/teams/{team.Id}", response);
    }

    private static async Task<Results<Ok<TeamResponse>, ProblemHttpResult>> UpdateTeamAsync(string id, HttpContext context, IGrainFactory grains)
    {
        var (request, error) = await AdminJson.ReadAsync<TeamRequest>(context, """{"name": "Platform engineering", "capUsd": 2000, "period": "monthly"}""");
        if (request is null)
        {
            return AdminProblems.BadRequest(error!);
        }

        if (request.Name is { Length: 0 or > 128 })
        {
            return AdminProblems.BadRequest("name is 1 to 128 characters.");
        }

        var (budget, budgetError) = BudgetFields.Parse(request.CapUsd, request.Period, request.Rpm, request.Tpm);
        if (budget is null)
        {
            return AdminProblems.BadRequest(budgetError!);
        }

        if (request.Name is null && budget.IsEmpty)
        {
            return AdminProblems.BadRequest("Give at least one of name, capUsd, period, rpm, tpm.");
        }

        var grain = grains.GetGrain<ITeamGrain>(id);
        var before = IsValidId(id) ? await grain.Get() : null;
        if (before is null)
        {
            return AdminProblems.NotFound($"No team with id '{id}'.");
        }

        var after = before;
        if (request.Name is { } name)
        {
            after = (await grain.Rename(name))!;
        }

        if (!budget.IsEmpty)
        {
            after = (await grain.SetBudget(budget))!;
        }

        var scope = AdminAuthorizationFilter.Scope(context);
        (scope.Before, scope.After) = (new { name = before.Name, limits = before.Budget.Limits }, new { name = after.Name, limits = after.Budget.Limits });
        return TypedResults.Ok(TeamResponse.From(after));
    }

    private static async Task<Results<Ok<TeamResponse>, ProblemHttpResult>> GetTeamAsync(string id, IGrainFactory grains) =>
        IsValidId(id) && await grains.GetGrain<ITeamGrain>(id).Get() is { } team
            ? TypedResults.Ok(TeamResponse.From(team))
            : AdminProblems.NotFound($"No team with id '{id}'.");

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

        IEnumerable<string> userIds;
        if (userId is not null)
        {
            userIds = [userId];
        }
        else if (IsValidId(teamId) && await grains.GetGrain<ITeamGrain>(teamId!).Get() is { } team)
        {
            userIds = team.UserIds;
        }
        else
        {
            return AdminProblems.NotFound($"No team with id '{teamId}'.");
        }

        var keyIds = new List<string>();
        foreach (var id in userIds)
        {
            if (!IsValidId(id) || await grains.GetGrain<IUserGrain>(id).Get() is not { } user)
            {
                if (userId is not null)
                {
                    return AdminProblems.NotFound($"No user with id '{userId}'.");
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

    private static ProblemHttpResult? Validate(UserRequest request)
    {
        if (request.Name is { Length: 0 or > 128 })
        {
            return AdminProblems.BadRequest("name is 1 to 128 characters.");
        }

        if (request.Email is { } email && (email.Length > 254 || !MailAddress.TryCreate(email, out var parsed) || parsed.Address != email))
        {
            return AdminProblems.BadRequest($"'{email}' is not an email address.");
        }

        return request.TeamId is { } team && !IsValidId(team)
            ? AdminProblems.BadRequest("teamId must be 1 to 128 letters, digits, '.', '_', '-' or '@'.")
            : null;
    }

    internal static bool IsValidId(string? id) => id is not null && IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,128}$")]
    private static partial Regex IdPattern();
}
