using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>keys</c> command tree: virtual API keys with a spending cap.</summary>
internal static class KeysCommands
{
    private const int DefaultListLimit = 100;
    private const int MaxListLimit = 500;

    private const string Never = "never";

    // ISO 8601 / RFC 3339 date-times that say which instant they mean: a time without 'Z' or an offset
    // would be read in whatever zone this machine happens to be in, so it is refused instead of guessed.
    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var keys = new Command("keys", "Create, list, inspect, update, rotate and revoke virtual API keys, and switch content capture.");
        keys.Subcommands.Add(BuildCreate(context));
        keys.Subcommands.Add(BuildList(context));
        keys.Subcommands.Add(BuildShow(context));
        keys.Subcommands.Add(BuildUpdate(context));
        keys.Subcommands.Add(BuildCapture(context));
        keys.Subcommands.Add(BuildRotate(context));
        keys.Subcommands.Add(BuildRevoke(context));
        return keys;
    }

    private static Command BuildCreate(CliContext context)
    {
        var user = EntityIdInput.Option("--user", "User the key belongs to; spend is attributed to this user.", "user-id", required: true);

        var cap = UsdOption.Create("--cap", "Spending cap in US dollars, e.g. 20 or 12.5.", "usd", required: true);

        var name = new Option<string>("--name")
        {
            Description = "Label to recognise the key by, e.g. the machine or app using it.",
            HelpName = "label",
        };

        var models = ModelsOption("Model the key may call; repeat for several. Default: all models.");

        var period = PeriodOption.Create("Budget period after which spend starts again from zero: none (default), daily, weekly or monthly.");

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
        command.Options.Add(period);
        var controls = SpendControlOptions.AddTo(command, "key");
        command.SetAction((parseResult, cancellationToken) =>
        {
            var selectedModels = SelectedModels(parseResult, models);
            var label = parseResult.GetValue(name);
            var request = new CreateKeyRequest(
                parseResult.GetRequiredValue(user).Trim(),
                parseResult.GetValue(cap),
                string.IsNullOrWhiteSpace(label) ? null : label.Trim(),
                selectedModels,
                parseResult.GetValue(period),
                parseResult.GetValue(controls.MaxRequest)?.Value,
                parseResult.GetValue(controls.MaxInputTokens)?.Value,
                parseResult.GetValue(controls.MaxConcurrent!)?.Value,
                parseResult.GetValue(controls.VelocityPerHour!)?.Value,
                parseResult.GetValue(controls.VelocityMultiple!)?.Value);

            var ensureUser = parseResult.GetValue(createUser);
            return context.RunAsync(
                parseResult,
                async (api, ct) =>
                {
                    if (ensureUser)
                    {
                        try
                        {
                            await api.PostAsync("users", new System.Text.Json.Nodes.JsonObject { ["id"] = request.UserId }, CliJsonContext.Default.JsonObject, CliJsonContext.Default.UserDetails, ct);
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
        var user = EntityIdInput.Option("--user", "List the keys of this user.", "user-id");
        var team = EntityIdInput.Option("--team", "List the keys of every member of this team.", "team-id");
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
                    ? AllPages.FetchAsync(api, c => PagePath(query, c), start, CliJsonContext.Default.KeyPage, p => p.Items, p => p.NextCursor, all => new KeyPage(all, NextCursor: null), ct)
                    : api.GetAsync(PagePath(query, start), CliJsonContext.Default.KeyPage, ct),
                (page, output) => RenderList(page, owner, output),
                cancellationToken);
        });
        return command;
    }

    private static string PagePath(string query, string? cursor) =>
        "keys?" + query + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));

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

    private static Command BuildUpdate(CliContext context)
    {
        var keyId = IdArgument.Create("key-id", "Id of the key to update.");
        var name = TextOption.Create("--name", "New label for the key, 1 to 64 characters.", "label");
        var cap = UsdOption.Create("--cap", "New spending cap in US dollars, e.g. 50; what was spent so far still counts.", "usd", required: false);
        var models = ModelsOption("Model the key may call from now on, replacing the current list; repeat for several.");
        var expires = ExpiresOption();
        var rpm = LimitOption.Create("--rpm", $"Requests per minute the key may make, or '{LimitOption.Unlimited}' to remove the limit.", int.MaxValue);
        var tpm = LimitOption.Create("--tpm", $"Tokens per minute the key may use, or '{LimitOption.Unlimited}' to remove the limit.", long.MaxValue);
        var period = PeriodOption.Create("New budget period: none, daily, weekly or monthly.");
        var command = new Command(
            "update",
            "Change a key's name, cap, models, expiry, rate limits, budget period or spend controls; give at least one. Options left out keep their current value.");
        command.Arguments.Add(keyId);
        foreach (var option in (Option[])[name, cap, models, expires, rpm, tpm, period])
        {
            command.Options.Add(option);
        }

        var controls = SpendControlOptions.AddTo(command, "key");
        Option[] changes = [name, cap, models, expires, rpm, tpm, period, .. controls.All];

        command.Validators.Add(result =>
        {
            if (changes.All(option => result.GetResult(option) is null))
            {
                result.AddError("Give at least one of --name, --cap, --model, --expires, --rpm, --tpm, --period, --max-request, --max-input-tokens, --max-concurrent, --velocity-per-hour or --velocity-multiple.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "keys/" + AdminApiClient.Segment(parseResult.GetRequiredValue(keyId));

            // Only the fields given: an absent field is one the gateway leaves alone, whereas an explicit
            // null (--expires never, --rpm none, --tpm none) removes that limit. A record would blur the two.
            var body = new JsonObject();
            if (parseResult.GetTrimmed(name) is { } label)
            {
                body["name"] = label;
            }

            if (parseResult.GetResult(cap) is not null)
            {
                body["capUsd"] = parseResult.GetValue(cap);
            }

            if (SelectedModels(parseResult, models) is { } selected)
            {
                body["models"] = new JsonArray([.. selected.Select(model => JsonValue.Create(model))]);
            }

            if (parseResult.GetValue(expires) is { } expiry)
            {
                body["expiresAt"] = expiry.Value is { } at ? JsonValue.Create(at) : null;
            }

            if (parseResult.GetValue(rpm) is { } requests)
            {
                body["rpm"] = requests.Value is { } perMinute ? JsonValue.Create(perMinute) : null;
            }

            if (parseResult.GetValue(tpm) is { } tokens)
            {
                body["tpm"] = tokens.Value is { } perMinute ? JsonValue.Create(perMinute) : null;
            }

            if (parseResult.GetValue(period) is { } newPeriod)
            {
                body["period"] = newPeriod;
            }

            controls.WriteTo(body, parseResult);

            return context.RunAsync(
                parseResult,
                (api, ct) => api.PatchAsync(path, body, CliJsonContext.Default.JsonObject, CliJsonContext.Default.KeyDetails, ct),
                (key, output) =>
                {
                    output.WriteLine($"Updated key {key.KeyId}.");
                    output.WriteLine();
                    RenderDetails(key, output);
                },
                cancellationToken);
        });
        return command;
    }

    private static Command BuildCapture(CliContext context)
    {
        var keyId = IdArgument.Create("key-id", "Id of the key whose requests to capture, or stop capturing.");
        var state = new Argument<bool>("on|off")
        {
            Description = "'on' stores the key's prompts and completions for auditors to read; 'off' stops storing them.",

            // A bool argument is optional by default, which would make a forgotten on/off mean off.
            Arity = ArgumentArity.ExactlyOne,
        };
        state.CompletionSources.Add("on", "off");
        state.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
            if (ParseSwitch(text) is { } on)
            {
                return on;
            }

            result.AddError($"Expected 'on' or 'off', got '{text}'.");
            return false;
        };
        var reason = TextOption.Create(
            "--reason",
            "Why content is captured, e.g. a ticket number; required with 'on' and recorded in the admin audit.",
            "why");

        var command = new Command(
            "capture",
            "Switch content capture for a key on or off. While on, the gateway stores the key's prompts and completions; " +
            "switching it on needs a reason, which is recorded in the admin audit.");
        command.Arguments.Add(keyId);
        command.Arguments.Add(state);
        command.Options.Add(reason);
        command.Validators.Add(result =>
        {
            // Read from the token rather than the converted value: a bad token is already reported by the parser.
            var on = ParseSwitch(result.GetResult(state)?.Tokens.FirstOrDefault()?.Value);
            var hasReason = result.GetResult(reason) is not null;
            if (on == true && !hasReason)
            {
                result.AddError("A reason is required to switch content capture on (--reason \"<why>\"); it is recorded in the admin audit.");
            }
            else if (on == false && hasReason)
            {
                result.AddError("--reason goes with 'on' only: the gateway records no reason for switching capture off.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = "keys/" + AdminApiClient.Segment(parseResult.GetRequiredValue(keyId)) + "/capture";
            var enable = parseResult.GetValue(state);
            var request = new SetCaptureRequest(enable, enable ? parseResult.GetTrimmed(reason) : null);
            return context.RunAsync(
                parseResult,
                (api, ct) => api.PostAsync(path, request, CliJsonContext.Default.SetCaptureRequest, CliJsonContext.Default.KeyDetails, ct),
                (key, output) => output.WriteLine(TerminalText.Clean(key.Capture is { } capture
                    ? $"Content capture is now on for key {key.KeyId} (reason: {capture.Reason ?? request.Reason})."
                    : $"Content capture is now off for key {key.KeyId}.")),
                cancellationToken);
        });
        return command;
    }

    /// <summary>True for <c>on</c>, false for <c>off</c> (any case), null for anything else.</summary>
    private static bool? ParseSwitch(string? text) =>
        text?.Trim().ToUpperInvariant() switch
        {
            "ON" => true,
            "OFF" => false,
            _ => null,
        };

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
                    ShownOnce.Write(output, $"Rotated key {key.KeyId} (user {key.UserId}).", key.Key);
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
                (key, output) => output.WriteLine(TerminalText.Clean($"Revoked key {key.KeyId} (user {key.UserId}).")),
                cancellationToken);
        });
        return command;
    }

    private static Option<string[]> ModelsOption(string description)
    {
        var models = new Option<string[]>("--model")
        {
            Description = description,
            HelpName = "model",
        };
        models.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string[]>()?.Any(string.IsNullOrWhiteSpace) == true)
            {
                result.AddError("--model must not be empty.");
            }
        });
        return models;
    }

    /// <summary>The models given, trimmed and without repeats, or null when <c>--model</c> was not given.</summary>
    private static string[]? SelectedModels(ParseResult parseResult, Option<string[]> models) =>
        parseResult.GetValue(models) is { Length: > 0 } m
            ? m.Select(model => model.Trim()).Distinct(StringComparer.Ordinal).ToArray()
            : null;

    /// <summary>
    /// <c>--expires</c>: a date-time, or <c>never</c> to remove the expiry. Parsed by hand so that a date
    /// the converter would misread, or one with no zone, is a usage error.
    /// </summary>
    private static Option<Removable<DateTimeOffset>> ExpiresOption()
    {
        var expires = new Option<Removable<DateTimeOffset>>("--expires")
        {
            Description = $"When the key stops working: an ISO-8601 date-time with 'Z' or an offset, e.g. 2026-12-31T23:59:59Z; or '{Never}' to remove the expiry.",
            HelpName = "date-time|" + Never,
        };
        expires.CompletionSources.Add(Never);
        expires.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (string.Equals(text, Never, StringComparison.OrdinalIgnoreCase))
            {
                return new Removable<DateTimeOffset>(null);
            }

            if (DateTimeOption.TryParse(text, allowDate: false, out var value))
            {
                return new Removable<DateTimeOffset>(value);
            }

            result.AddError(
                $"--expires must be an ISO-8601 date-time with 'Z' or an offset, such as 2026-12-31T23:59:59Z " +
                $"or 2026-12-31T23:59:59+01:00, or '{Never}', got '{text}'.");
            return new Removable<DateTimeOffset>(null);
        };
        return expires;
    }

    private static void RenderCreated(KeyDetails key, TextWriter output)
    {
        ShownOnce.Write(output, $"Created key {key.KeyId} for user {key.UserId}.", key.Key);
        output.WriteLine();
        new KeyValueList()
            .Add("Key id", key.KeyId)
            .Add("User", key.UserId)
            .Add("Name", key.Name)
            .Add("Models", DisplayFormat.List(key.Models, "all"))
            .Add("Cap", DisplayFormat.Usd(key.CapUsd))
            .WriteTo(output);
    }

    private static void RenderDetails(KeyDetails key, TextWriter output)
    {
        var list = new KeyValueList()
            .Add("Key", key.KeyId)
            .Add("User", key.UserId)
            .Add("Name", key.Name)
            .Add("Status", key.Status)
            .Add("Models", DisplayFormat.List(key.Models, "all"))
            .Add("Cap", DisplayFormat.Usd(key.CapUsd))
            .Add("Period", Period(key));
        if (key.PastPeriods is { Count: > 0 } past)
        {
            list.Add("Last period", LastPeriod(past[^1]));
        }

        list.Add("Spent", DisplayFormat.Usd(key.SpentUsd))
            .Add("Reserved", DisplayFormat.Usd(key.ReservedUsd))
            .Add("Remaining", DisplayFormat.Usd(key.RemainingUsd))
            .Add("RPM", BudgetOptions.Rate(key.Rpm, key.Rate?.RequestsLastMinute ?? 0))
            .Add("TPM", BudgetOptions.Rate(key.Tpm, key.Rate?.TokensLastMinute ?? 0))
            .Add("In flight", DisplayFormat.Count(key.InFlight))
            .Add("Requests", DisplayFormat.Count(key.RequestCount))
            .Add("Created", DisplayFormat.Timestamp(key.CreatedAt))
            .Add("Expires", DisplayFormat.Timestamp(key.ExpiresAt))
            .Add("Revoked", DisplayFormat.Timestamp(key.RevokedAt))
            .Add("Capture", Capture(key.Capture));
        SpendControlOptions.Render(list, key.SpendControls, concurrency: true, velocity: true).WriteTo(output);
    }

    /// <summary><c>daily (resets 2026-11-28 00:00:00 UTC)</c>, or just the period when it never resets.</summary>
    private static string Period(KeyDetails key)
    {
        var period = string.IsNullOrWhiteSpace(key.Period) ? PeriodOption.None : key.Period;
        return key.PeriodResetsAt is { } resetsAt && !string.Equals(period, PeriodOption.None, StringComparison.OrdinalIgnoreCase)
            ? $"{period} (resets {DisplayFormat.Timestamp(resetsAt)})"
            : period;
    }

    /// <summary><c>$1.23 (2026-11-26 → 2026-11-27, 42 requests)</c>.</summary>
    private static string LastPeriod(PastPeriod period) =>
        $"{DisplayFormat.Usd(period.SpentUsd)} ({Day(period.Start)} → {Day(period.End)}, " +
        $"{DisplayFormat.Count(period.Requests)} {(period.Requests == 1 ? "request" : "requests")})";

    private static string Day(DateTimeOffset? value) =>
        value is { } v ? v.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : DisplayFormat.None;

    private static string Capture(ContentCapture? capture) =>
        capture is null
            ? "off"
            : $"on ({capture.Reason ?? DisplayFormat.None}, by {capture.EnabledBy ?? DisplayFormat.None} at {DisplayFormat.Timestamp(capture.EnabledAt)})";
}
