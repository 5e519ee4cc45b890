using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>keys</c> command tree: virtual API keys with a spending cap.</summary>
internal static class KeysCommands
{
    // Money is held in micro-dollars by the gateway; a finer cap could only be rounded silently.
    private const int MaxCapDecimals = 6;

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var keys = new Command("keys", "Create, inspect and revoke virtual API keys.");
        keys.Subcommands.Add(BuildCreate(context));
        keys.Subcommands.Add(BuildShow(context));
        keys.Subcommands.Add(BuildRotate(context));
        keys.Subcommands.Add(BuildRevoke(context));
        return keys;
    }

    private static Command BuildCreate(CliContext context)
    {
        var user = new Option<string>("--user")
        {
            Description = "User the key belongs to; spend is attributed to this user.",
            HelpName = "user-id",
            Required = true,
        };
        user.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--user must not be empty.");
            }
        });

        var cap = new Option<decimal>("--cap")
        {
            Description = "Spending cap in US dollars, e.g. 20 or 12.5.",
            HelpName = "usd",
            Required = true,
        };
        cap.CustomParser = result =>
        {
            // Parsed here rather than by the default converter so that a decimal comma ("12,5") is an
            // error instead of a thousands separator making it 125, and so a stray '$' is forgiven.
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (!decimal.TryParse(
                    text.StartsWith('$') ? text[1..] : text,
                    NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
                    CultureInfo.InvariantCulture,
                    out var value))
            {
                result.AddError($"--cap must be an amount in US dollars such as 20 or 12.5, got '{text}'.");
            }
            else if (value < 0)
            {
                result.AddError($"--cap must be zero or more, got {text}.");
            }
            else if (decimal.Round(value, MaxCapDecimals) != value)
            {
                result.AddError($"--cap allows at most {MaxCapDecimals} decimal places (micro-dollars), got {text}.");
            }

            return value;
        };

        var name = new Option<string>("--name")
        {
            Description = "Label to recognise the key by, e.g. the machine or app using it.",
            HelpName = "label",
        };

        var models = new Option<string[]>("--model")
        {
            Description = "Model the key may call; repeat for several. Default: all models.",
            HelpName = "model",
        };
        models.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string[]>()?.Any(string.IsNullOrWhiteSpace) == true)
            {
                result.AddError("--model must not be empty.");
            }
        });

        var createUser = new Option<bool>("--create-user")
        {
            Description = "Create the user first if it does not exist yet, so a new user's first key is one command.",
        };

        var command = new Command("create", "Create a key for a user. The secret is printed once and never again.");
        command.Options.Add(user);
        command.Options.Add(createUser);
        command.Options.Add(cap);
        command.Options.Add(name);
        command.Options.Add(models);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var selectedModels = parseResult.GetValue(models) is { Length: > 0 } m
                ? m.Select(model => model.Trim()).Distinct(StringComparer.Ordinal).ToArray()
                : null;
            var label = parseResult.GetValue(name);
            var request = new CreateKeyRequest(
                parseResult.GetRequiredValue(user).Trim(),
                parseResult.GetValue(cap),
                string.IsNullOrWhiteSpace(label) ? null : label.Trim(),
                selectedModels);

            var ensureUser = parseResult.GetValue(createUser);
            return context.RunAsync(
                parseResult,
                async (api, ct) =>
                {
                    if (ensureUser)
                    {
                        try
                        {
                            await api.PostAsync("users", new CreateUserRequest(request.UserId, null, null, null), CliJsonContext.Default.CreateUserRequest, CliJsonContext.Default.UserDetails, ct);
                        }
                        catch (AdminApiException ex) when (ex.StatusCode == 409)
                        {
                            // Already there: exactly what was asked for.
                        }
                    }

                    return await api.PostAsync("keys", request, CliJsonContext.Default.CreateKeyRequest, CliJsonContext.Default.KeyDetails, ct);
                },
                RenderCreated,
                cancellationToken);
        });
        return command;
    }

    private static Command BuildShow(CliContext context)
    {
        var keyId = IdArgument.Create("key-id", "Id of the key, as printed by 'keys create' (not the secret).");
        var command = new Command("show", "Show a key's status, limits and current spend.");
        command.Arguments.Add(keyId);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "keys/" + AdminApiClient.Segment(parseResult.GetRequiredValue(keyId));
            return context.RunAsync(
                parseResult,
                (api, ct) => api.GetAsync(path, CliJsonContext.Default.KeyDetails, ct),
                RenderDetails,
                cancellationToken);
        });
        return command;
    }

    private static Command BuildRotate(CliContext context)
    {
        var keyId = IdArgument.Create("key-id", "Id of the key to rotate.");
        var grace = BoundedIntOption.Create("--grace", "Seconds the old secret keeps working, 0 to 604800 (7 days); default 0: it stops at once.", "seconds", 0, 604_800, 0);
        var command = new Command(
            "rotate",
            "Issue a new secret for the same key id, budget and history. The new key is shown once.");
        command.Arguments.Add(keyId);
        command.Options.Add(grace);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "keys/" + AdminApiClient.Segment(parseResult.GetRequiredValue(keyId)) + "/rotate";
            var request = new RotateKeyRequest(parseResult.GetValue(grace));
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync(path, request, CliJsonContext.Default.RotateKeyRequest, CliJsonContext.Default.KeyDetails, ct),
                (key, output) =>
                {
                    output.WriteLine($"Rotated key {key.KeyId} (user {key.UserId}).");
                    output.WriteLine();
                    output.WriteLine($"    {key.Key ?? DisplayFormat.None}");
                    output.WriteLine();
                    output.WriteLine("This key is shown only once and cannot be retrieved later. Store it securely now.");
                    output.WriteLine(request.GraceSeconds > 0
                        ? $"The previous secret keeps working for {request.GraceSeconds} s."
                        : "The previous secret no longer works.");
                },
                cancellationToken);
        });
        return command;
    }

    private static Command BuildRevoke(CliContext context)
    {
        var keyId = IdArgument.Create("key-id", "Id of the key to revoke.");
        var command = new Command(
            "revoke",
            "Revoke a key permanently: the gateway refuses any further request made with it.");
        command.Arguments.Add(keyId);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "keys/" + AdminApiClient.Segment(parseResult.GetRequiredValue(keyId)) + "/revoke";
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync(path, CliJsonContext.Default.KeyDetails, ct),
                (key, output) => output.WriteLine($"Revoked key {key.KeyId} (user {key.UserId})."),
                cancellationToken);
        });
        return command;
    }

    private static void RenderCreated(KeyDetails key, TextWriter output)
    {
        output.WriteLine($"Created key {key.KeyId} for user {key.UserId}.");
        output.WriteLine();
        output.WriteLine($"    {key.Key ?? DisplayFormat.None}");
        output.WriteLine();
        output.WriteLine("This key is shown only once and cannot be retrieved later. Store it securely now.");
        output.WriteLine();
        new KeyValueList()
            .Add("Key id", key.KeyId)
            .Add("User", key.UserId)
            .Add("Name", key.Name)
            .Add("Models", DisplayFormat.List(key.Models, "all"))
            .Add("Cap", DisplayFormat.Usd(key.CapUsd))
            .WriteTo(output);
    }

    private static void RenderDetails(KeyDetails key, TextWriter output) =>
        new KeyValueList()
            .Add("Key", key.KeyId)
            .Add("User", key.UserId)
            .Add("Name", key.Name)
            .Add("Status", key.Status)
            .Add("Models", DisplayFormat.List(key.Models, "all"))
            .Add("Cap", DisplayFormat.Usd(key.CapUsd))
            .Add("Spent", DisplayFormat.Usd(key.SpentUsd))
            .Add("Reserved", DisplayFormat.Usd(key.ReservedUsd))
            .Add("Remaining", DisplayFormat.Usd(key.RemainingUsd))
            .Add("In flight", DisplayFormat.Count(key.InFlight))
            .Add("Requests", DisplayFormat.Count(key.RequestCount))
            .Add("Created", DisplayFormat.Timestamp(key.CreatedAt))
            .Add("Revoked", DisplayFormat.Timestamp(key.RevokedAt))
            .WriteTo(output);
}
