using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>teams</c> command tree: groups of users, for listing and reporting on their keys together.</summary>
internal static class TeamsCommands
{
    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var teams = new Command("teams", "Create, inspect and rename teams. Users join a team with 'users create --team' or 'users update --team'.");
        teams.Subcommands.Add(BuildCreate(context));
        teams.Subcommands.Add(BuildShow(context));
        teams.Subcommands.Add(BuildUpdate(context));
        return teams;
    }

    private static Command BuildCreate(CliContext context)
    {
        var id = EntityIdInput.Argument("id", "Id of the new team: 1 to 128 letters, digits, '.', '_', '-' or '@' (not only dots, case-insensitive), e.g. platform.");
        var name = TextOption.Create("--name", "Display name, at most 128 characters. Default: the id.", "name");

        var command = new Command("create", "Create a team. Fails if a team with that id already exists.");
        command.Arguments.Add(id);
        command.Options.Add(name);
        var budget = BudgetOptions.AddTo(command, "team");
        command.SetAction((parseResult, cancellationToken) =>
        {
            var body = new JsonObject { ["id"] = parseResult.GetRequiredValue(id).Trim() };
            if (parseResult.GetTrimmed(name) is { } displayName)
            {
                body["name"] = displayName;
            }

            budget.WriteTo(body, parseResult);
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync("teams", body, CliJsonContext.Default.JsonObject, CliJsonContext.Default.TeamDetails, ct),
                (team, output) =>
                {
                    output.WriteLine($"Created team {team.Id}.");
                    output.WriteLine();
                    RenderDetails(team, output);
                },
                cancellationToken);
        });
        return command;
    }

    private static Command BuildShow(CliContext context)
    {
        var id = EntityIdInput.Argument("id", "Id of the team.");
        var command = new Command("show", "Show a team and its members. 'keys list --team' lists the members' keys.");
        command.Arguments.Add(id);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "teams/" + AdminApiClient.Segment(parseResult.GetRequiredValue(id));
            return context.RunAsync(
                parseResult,
                (api, ct) => api.GetAsync(path, CliJsonContext.Default.TeamDetails, ct),
                RenderDetails,
                cancellationToken);
        });
        return command;
    }

    private static Command BuildUpdate(CliContext context)
    {
        var id = EntityIdInput.Argument("id", "Id of the team to update.");
        var name = TextOption.Create("--name", "New display name, 1 to 128 characters.", "name");

        var command = new Command("update", "Rename a team or change its budget (cap, period, rate limits); give at least one. Its id and members stay as they are.");
        command.Arguments.Add(id);
        command.Options.Add(name);
        var budget = BudgetOptions.AddTo(command, "team");
        Option[] changes = [name, .. budget.All];
        command.Validators.Add(result =>
        {
            if (changes.All(option => result.GetResult(option) is null))
            {
                result.AddError("Give at least one of --name, --cap, --no-cap, --period, --rpm, --tpm, --max-request or --max-input-tokens.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "teams/" + AdminApiClient.Segment(parseResult.GetRequiredValue(id));
            var body = new JsonObject();
            if (parseResult.GetTrimmed(name) is { } displayName)
            {
                body["name"] = displayName;
            }

            budget.WriteTo(body, parseResult);
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PatchAsync(path, body, CliJsonContext.Default.JsonObject, CliJsonContext.Default.TeamDetails, ct),
                (team, output) =>
                {
                    output.WriteLine($"Updated team {team.Id}.");
                    output.WriteLine();
                    RenderDetails(team, output);
                },
                cancellationToken);
        });
        return command;
    }

    private static void RenderDetails(TeamDetails team, TextWriter output)
    {
        var list = new KeyValueList()
            .Add("Team", team.Id)
            .Add("Name", team.Name)
            .Add("Created", DisplayFormat.Timestamp(team.CreatedAt))
            .Add("Members", DisplayFormat.List(team.UserIds, "none"));
        BudgetOptions.Render(list, team.Budget, velocity: false).WriteTo(output);
    }
}
