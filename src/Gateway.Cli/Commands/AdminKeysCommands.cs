using System.CommandLine;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>admin-keys</c> command tree: keys for the admin API itself, each with a role.</summary>
internal static class AdminKeysCommands
{
    private static readonly string[] Roles = ["admin", "auditor", "viewer"];

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var adminKeys = new Command("admin-keys", "Create and revoke admin API keys.");
        adminKeys.Subcommands.Add(BuildCreate(context));
        adminKeys.Subcommands.Add(BuildRevoke(context));
        return adminKeys;
    }

    private static Command BuildCreate(CliContext context)
    {
        var name = new Option<string>("--name")
        {
            Description = "Label to recognise the key by in the admin audit log, e.g. who or what uses it.",
            HelpName = "name",
            Required = true,
        };
        name.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--name must not be empty.");
            }
        });

        var role = new Option<string>("--role")
        {
            Description = "What the key may do: " + string.Join(", ", Roles) + ".",
            HelpName = string.Join('|', Roles),
            Required = true,
        };
        role.CompletionSources.Add(Roles);
        role.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (NormalizeRole(value) is null)
            {
                result.AddError($"--role must be one of {string.Join(", ", Roles)}, got '{value}'.");
            }
        });

        var command = new Command(
            "create",
            "Create an admin key with a role. The secret is printed once and never again.");
        command.Options.Add(name);
        command.Options.Add(role);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var request = new CreateAdminKeyRequest(
                parseResult.GetRequiredValue(name).Trim(),
                NormalizeRole(parseResult.GetRequiredValue(role))!);

            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync(
                    "admin-keys",
                    request,
                    CliJsonContext.Default.CreateAdminKeyRequest,
                    CliJsonContext.Default.AdminKeyDetails,
                    ct),
                RenderCreated,
                cancellationToken);
        });
        return command;
    }

    private static Command BuildRevoke(CliContext context)
    {
        var id = IdArgument.Create("id", "Id of the admin key to revoke, as printed by 'admin-keys create' (not the secret).");
        var command = new Command(
            "revoke",
            "Revoke an admin key permanently: the gateway refuses any further admin request made with it.");
        command.Arguments.Add(id);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "admin-keys/" + AdminApiClient.Segment(parseResult.GetRequiredValue(id)) + "/revoke";
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync(path, CliJsonContext.Default.AdminKeyDetails, ct),
                (key, output) => output.WriteLine(TerminalText.Clean($"Revoked admin key {key.Id} ({key.Name ?? DisplayFormat.None}).")),
                cancellationToken);
        });
        return command;
    }

    /// <summary>The canonical (lower-case) role, or null when <paramref name="value"/> is not one.</summary>
    private static string? NormalizeRole(string? value)
    {
        var trimmed = value?.Trim();
        return Roles.FirstOrDefault(r => string.Equals(r, trimmed, StringComparison.OrdinalIgnoreCase));
    }

    private static void RenderCreated(AdminKeyDetails key, TextWriter output)
    {
        ShownOnce.Write(output, $"Created admin key {key.Id} ({key.Name ?? DisplayFormat.None}).", key.Key);
        output.WriteLine();
        new KeyValueList()
            .Add("Id", key.Id)
            .Add("Name", key.Name)
            .Add("Role", key.Role)
            .WriteTo(output);
    }
}
