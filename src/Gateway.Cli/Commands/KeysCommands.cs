using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>keys</c> command tree: virtual API keys with a spending cap.</summary>
internal static class KeysCommands
{
    // Money is held in micro-dollars by the gateway; a finer cap could only be rounded silently.
    private const int MaxCapDecimals = 6;

    private const int DefaultListLimit = 100;
    private const int MaxListLimit = 500;

    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var keys = new Command("keys", "Create, list, inspect and revoke virtual API keys.");
        keys.Subcommands.Add(BuildCreate(context));
        keys.Subcommands.Add(BuildList(context));
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

    private static Command BuildList(CliContext context)
    {
        var user = TextOption.Create("--user", "List the keys of this user.", "user-id");
        var team = TextOption.Create("--team", "List the keys of every member of this team.", "team-id");
        var limit = BoundedIntOption.Create(
            "--limit", $"Keys per page, 1 to {MaxListLimit}; with --all, per request.", "n", 1, MaxListLimit, DefaultListLimit);
        var cursor = TextOption.Create("--cursor", "Start after this cursor, as printed after 'More:' by the previous page.", "cursor");
        var all = new Option<bool>("--all")
        {
            Description = "Fetch every page and print all keys together, instead of one page.",
        };

        var command = new Command(
            "list",
            "List the keys of a user or of a team, in key-id order, one page at a time. Give exactly one of --user or --team.");
        command.Options.Add(user);
        command.Options.Add(team);
        command.Options.Add(limit);
        command.Options.Add(cursor);
        command.Options.Add(all);
        command.Validators.Add(result =>
        {
            if ((result.GetResult(user) is null) == (result.GetResult(team) is null))
            {
                result.AddError("Give exactly one of --user or --team.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var userId = parseResult.GetTrimmed(user);
            var teamId = parseResult.GetTrimmed(team);
            var owner = userId is not null ? $"user {userId}" : $"team {teamId}";
            var query = (userId is not null ? "userId=" + Uri.EscapeDataString(userId) : "teamId=" + Uri.EscapeDataString(teamId!))
                + "&limit=" + parseResult.GetValue(limit).ToString(CultureInfo.InvariantCulture);
            var start = parseResult.GetTrimmed(cursor);
            var fetchAll = parseResult.GetValue(all);

            return context.RunAsync(
                parseResult,
                (api, ct) => fetchAll
                    ? ListAllAsync(api, query, start, ct)
                    : api.GetAsync(PagePath(query, start), CliJsonContext.Default.KeyPage, ct),
                (page, output) => RenderList(page, owner, output),
                cancellationToken);
        });
        return command;
    }

    private static string PagePath(string query, string? cursor) =>
        "keys?" + query + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));

    /// <summary>
    /// Follows <c>nextCursor</c> to the end and returns every key as one page, with the items exactly as
    /// received gathered into <c>{"items": [...]}</c>, so <c>--json</c> keeps fields this CLI does not know.
    /// </summary>
    private static async Task<ApiResponse<KeyPage>> ListAllAsync(AdminApiClient api, string query, string? cursor, CancellationToken cancellationToken)
    {
        var items = new List<KeyDetails>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("items");
            do
            {
                var page = await api.GetAsync(PagePath(query, cursor), CliJsonContext.Default.KeyPage, cancellationToken);
                items.AddRange(page.Value.Items ?? []);
                using (var document = JsonDocument.Parse(page.RawJson))
                {
                    if (document.RootElement.TryGetProperty("items", out var raw) && raw.ValueKind == JsonValueKind.Array)
                    {
                        foreach (var item in raw.EnumerateArray())
                        {
                            item.WriteTo(writer);
                        }
                    }
                }

                cursor = page.Value.NextCursor;

                // A cursor that comes back again would page forever; better an error than a hung terminal.
                if (cursor is not null && !seen.Add(cursor))
                {
                    throw new AdminApiException(200, $"unexpected response from the gateway: cursor '{cursor}' was returned twice.", problem: null);
                }
            }
            while (cursor is not null);

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new ApiResponse<KeyPage>(new KeyPage(items, NextCursor: null), Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void RenderList(KeyPage page, string owner, TextWriter output)
    {
        if (page.Items is { Count: > 0 } items)
        {
            var table = new Table("KEY", "USER", "NAME", "STATUS", "SPENT", "CAP", "REQUESTS");
            foreach (var key in items)
            {
                table.AddRow(
                    key.Display ?? key.KeyId,
                    key.UserId,
                    key.Name,
                    key.Status,
                    DisplayFormat.Usd(key.SpentUsd),
                    DisplayFormat.Usd(key.CapUsd),
                    DisplayFormat.Count(key.RequestCount));
            }

            table.WriteTo(output);
        }
        else
        {
            output.WriteLine($"No keys for {owner}.");
        }

        if (page.NextCursor is { } next)
        {
            output.WriteLine($"More: --cursor {next}");
        }
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
