using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>users</c> command tree: the people (or services) keys belong to and spend is attributed to.</summary>
internal static class UsersCommands
{
    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var users = new Command("users", "Create, inspect, update and deactivate users.");
        users.Subcommands.Add(BuildCreate(context));
        users.Subcommands.Add(BuildShow(context));
        users.Subcommands.Add(BuildUpdate(context));
        users.Subcommands.Add(BuildDeactivate(context));
        return users;
    }

    private static Command BuildCreate(CliContext context)
    {
        var id = EntityIdInput.Argument("id", "Id of the new user: 1 to 128 letters, digits, '.', '_', '-' or '@' (not only dots, case-insensitive), e.g. alice@example.com.");
        var name = NameOption();
        var email = EmailOption();
        var team = TeamOption("Team the user belongs to; it must already exist (see 'teams create').");

        var command = new Command("create", "Create a user. Fails if a user with that id already exists.");
        command.Arguments.Add(id);
        command.Options.Add(name);
        command.Options.Add(email);
        command.Options.Add(team);
        var budget = BudgetOptions.AddTo(command, "user");
        command.SetAction((parseResult, cancellationToken) =>
        {
            var body = Profile(parseResult, name, email, team);
            body["id"] = parseResult.GetRequiredValue(id).Trim();
            budget.WriteTo(body, parseResult);

            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync("users", body, CliJsonContext.Default.JsonObject, CliJsonContext.Default.UserDetails, ct),
                (user, output) =>
                {
                    output.WriteLine($"Created user {user.Id}.");
                    output.WriteLine();
                    RenderDetails(user, output);
                },
                cancellationToken);
        });
        return command;
    }

    private static Command BuildShow(CliContext context)
    {
        var id = EntityIdInput.Argument("id", "Id of the user.");
        var command = new Command("show", "Show a user's details, status and the ids of their keys.");
        command.Arguments.Add(id);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "users/" + AdminApiClient.Segment(parseResult.GetRequiredValue(id));
            return context.RunAsync(
                parseResult,
                (api, ct) => api.GetAsync(path, CliJsonContext.Default.UserDetails, ct),
                RenderDetails,
                cancellationToken);
        });
        return command;
    }

    private static Command BuildUpdate(CliContext context)
    {
        var id = EntityIdInput.Argument("id", "Id of the user to update.");
        var name = NameOption();
        var email = EmailOption();
        var team = TeamOption("Move the user to this team; it must already exist (see 'teams create').");

        var command = new Command(
            "update",
            "Change a user's name, email, team or budget (cap, period, rate limits); give at least one. Options left out keep their current value.");
        command.Arguments.Add(id);
        command.Options.Add(name);
        command.Options.Add(email);
        command.Options.Add(team);
        var budget = BudgetOptions.AddTo(command, "user");
        Option[] changes = [name, email, team, .. budget.All];
        command.Validators.Add(result =>
        {
            if (changes.All(option => result.GetResult(option) is null))
            {
                result.AddError("Give at least one of --name, --email, --team, --cap, --no-cap, --period, --rpm, --tpm, --max-request, --max-input-tokens, --velocity-per-hour or --velocity-multiple.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "users/" + AdminApiClient.Segment(parseResult.GetRequiredValue(id));
            var body = Profile(parseResult, name, email, team);
            budget.WriteTo(body, parseResult);

            return context.RunAsync(
                parseResult,
                (api, ct) => api.PatchAsync(path, body, CliJsonContext.Default.JsonObject, CliJsonContext.Default.UserDetails, ct),
                (user, output) =>
                {
                    output.WriteLine($"Updated user {user.Id}.");
                    output.WriteLine();
                    RenderDetails(user, output);
                },
                cancellationToken);
        });
        return command;
    }

    private static Command BuildDeactivate(CliContext context)
    {
        var id = EntityIdInput.Argument("id", "Id of the user to deactivate.");
        var command = new Command(
            "deactivate",
            "Deactivate a user and revoke every one of their keys; no new key can be created for them. " +
            "Safe to repeat: it finishes revoking any key an interrupted attempt did not reach.");
        command.Arguments.Add(id);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "users/" + AdminApiClient.Segment(parseResult.GetRequiredValue(id)) + "/deactivate";
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync(path, CliJsonContext.Default.UserDetails, ct),
                (user, output) => output.WriteLine(
                    $"Deactivated user {user.Id}; revoked {DisplayFormat.Count(user.KeyIds?.Count ?? 0)} {((user.KeyIds?.Count ?? 0) == 1 ? "key" : "keys")}."),
                cancellationToken);
        });
        return command;
    }

    /// <summary>The profile fields given on the command line; those left out are not sent, so they stay as they are.</summary>
    private static JsonObject Profile(ParseResult parseResult, Option<string> name, Option<string> email, Option<string> team)
    {
        var body = new JsonObject();
        foreach (var (field, option) in new[] { ("name", name), ("email", email), ("teamId", team) })
        {
            if (parseResult.GetTrimmed(option) is { } value)
            {
                body[field] = value;
            }
        }

        return body;
    }

    private static Option<string> NameOption() =>
        TextOption.Create("--name", "Display name, 1 to 128 characters.", "name");

    private static Option<string> EmailOption() =>
        TextOption.Create("--email", "Email address, e.g. alice@example.com.", "email");

    private static Option<string> TeamOption(string description) =>
        EntityIdInput.Option("--team", description, "team-id");

    private static void RenderDetails(UserDetails user, TextWriter output)
    {
        var list = new KeyValueList()
            .Add("User", user.Id)
            .Add("Name", user.Name)
            .Add("Email", user.Email)
            .Add("Team", user.TeamId)
            .Add("Status", user.Status)
            .Add("Created", DisplayFormat.Timestamp(user.CreatedAt))
            .Add("Deactivated", DisplayFormat.Timestamp(user.DeactivatedAt))
            .Add("Keys", DisplayFormat.List(user.KeyIds, "none"));
        BudgetOptions.Render(list, user.Budget).WriteTo(output);
    }
}
