using System.CommandLine;
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
        var id = IdArgument.Create("id", "Id of the new team: 1 to 128 letters, digits, '.', '_', '-' or '@', e.g. platform.");
        var name = TextOption.Create("--name", "Display name, at most 128 characters. Default: the id.", "name");

        var command = new Command("create", "Create a team. Fails if a team with that id already exists.");
        command.Arguments.Add(id);
        command.Options.Add(name);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var request = new CreateTeamRequest(parseResult.GetRequiredValue(id).Trim(), parseResult.GetTrimmed(name));
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync("teams", request, CliJsonContext.Default.CreateTeamRequest, CliJsonContext.Default.TeamDetails, ct),
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
        var id = IdArgument.Create("id", "Id of the team.");
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
        var id = IdArgument.Create("id", "Id of the team to rename.");
        var name = TextOption.Create("--name", "New display name, 1 to 128 characters.", "name");
        name.Required = true;

        var command = new Command("update", "Rename a team. Its id and members stay as they are.");
        command.Arguments.Add(id);
        command.Options.Add(name);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "teams/" + AdminApiClient.Segment(parseResult.GetRequiredValue(id));
            var request = new UpdateTeamRequest(parseResult.GetTrimmed(name)!);
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PatchAsync(path, request, CliJsonContext.Default.UpdateTeamRequest, CliJsonContext.Default.TeamDetails, ct),
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

    private static void RenderDetails(TeamDetails team, TextWriter output) =>
        new KeyValueList()
            .Add("Team", team.Id)
            .Add("Name", team.Name)
            .Add("Created", DisplayFormat.Timestamp(team.CreatedAt))
            .Add("Members", DisplayFormat.List(team.UserIds, "none"))
            .WriteTo(output);
}
