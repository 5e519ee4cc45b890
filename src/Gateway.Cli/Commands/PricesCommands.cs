using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>
/// The <c>prices</c> command tree: model prices as data. A change applies on every front-end within
/// its refresh interval, without a restart, and is written to the admin audit.
/// </summary>
internal static class PricesCommands
{
    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var prices = new Command("prices", "List, show, set and remove model prices (USD per million tokens). A model without a price is refused.");
        prices.Subcommands.Add(BuildList(context));
        prices.Subcommands.Add(BuildGet(context));
        prices.Subcommands.Add(BuildSet(context));
        prices.Subcommands.Add(BuildRemove(context));
        return prices;
    }

    private static Command BuildList(CliContext context)
    {
        var command = new Command("list", "List every model's price, USD per million tokens.");
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(
            parseResult,
            (api, ct) => api.GetAsync("prices", CliJsonContext.Default.PriceList, ct),
            (list, output) =>
            {
                if (list.Data.Count == 0)
                {
                    output.WriteLine("No model has a price: every request is refused until one is set ('prices set').");
                    return;
                }

                var table = new Table("MODEL", "INPUT/1M", "OUTPUT/1M", "CACHED/1M", "WRITE 5M/1M", "WRITE 1H/1M", "MAX OUTPUT", "CONTEXT", "UPDATED", "BY");
                foreach (var p in list.Data)
                {
                    table.AddRow(p.Model, DisplayFormat.Usd(p.Input), DisplayFormat.Usd(p.Output), DisplayFormat.Usd(p.CachedInput),
                        DisplayFormat.Usd(p.CacheWrite5m), DisplayFormat.Usd(p.CacheWrite1h), Tokens(p.MaxOutputTokens), Tokens(p.ContextWindow), DisplayFormat.Timestamp(p.UpdatedAt), p.UpdatedBy);
                }

                table.WriteTo(output);
            },
            cancellationToken));
        return command;
    }

    private static Command BuildGet(CliContext context)
    {
        var model = ModelArgument("Model whose price to show, e.g. gpt-4o.");
        var command = new Command("get", "Show one model's price.");
        command.Arguments.Add(model);
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(
            parseResult,
            (api, ct) => api.GetAsync(Path(parseResult.GetRequiredValue(model)), CliJsonContext.Default.PriceDetails, ct),
            Render,
            cancellationToken));
        return command;
    }

    private static Command BuildSet(CliContext context)
    {
        var model = ModelArgument("Model to price, as callers name it (case-insensitive), e.g. gpt-4o; '*' sets the price of every model with none of its own.");
        var input = UsdOption.Create("--input", "USD per million input tokens, e.g. 2.50.", "usd", required: true);
        var output = UsdOption.Create("--output", "USD per million output tokens, e.g. 10.", "usd", required: true);
        var cached = UsdOption.Create("--cached-input", "USD per million input tokens served from the provider's prompt cache. Default: the input price.", "usd", required: false);
        var write5m = UsdOption.Create("--cache-write-5m", "USD per million prompt tokens written to the provider's cache for 5 minutes (Anthropic). Default: 1.25 times the input price.", "usd", required: false);
        var write1h = UsdOption.Create("--cache-write-1h", "USD per million prompt tokens written to the provider's cache for 1 hour (Anthropic). Default: twice the input price.", "usd", required: false);
        var maxOutput = OptionalTokens("--max-output-tokens", "The model's largest output: reserved when a request states no max_tokens, and never more. Default: Gateway:Frontend:DefaultOutputCeiling.", 10_000_000);
        var contextWindow = OptionalTokens("--context-window", "The most prompt tokens counted before the request is refused as too long. Default: Gateway:Frontend:DefaultContextWindow.", 100_000_000);
        var provider = TextOption.Create("--provider", "Provider label shown with the price, e.g. openai.", "name");

        var command = new Command("set", "Set (or replace) a model's price. Requests already accepted keep the price they were reserved with.");
        command.Arguments.Add(model);
        command.Options.Add(input);
        command.Options.Add(output);
        command.Options.Add(cached);
        command.Options.Add(write5m);
        command.Options.Add(write1h);
        command.Options.Add(maxOutput);
        command.Options.Add(contextWindow);
        command.Options.Add(provider);
        command.SetAction((parseResult, cancellationToken) =>
        {
            // Amounts go as decimal strings, so the gateway reads exactly what was typed.
            var body = new JsonObject
            {
                ["input"] = Text(parseResult.GetRequiredValue(input)),
                ["output"] = Text(parseResult.GetRequiredValue(output)),
            };
            if (parseResult.GetResult(cached) is not null)
            {
                body["cachedInput"] = Text(parseResult.GetValue(cached));
            }

            if (parseResult.GetResult(write5m) is not null)
            {
                body["cacheWrite5m"] = Text(parseResult.GetValue(write5m));
            }

            if (parseResult.GetResult(write1h) is not null)
            {
                body["cacheWrite1h"] = Text(parseResult.GetValue(write1h));
            }

            if (parseResult.GetValue(maxOutput) is { } max)
            {
                body["maxOutputTokens"] = max;
            }

            if (parseResult.GetValue(contextWindow) is { } window)
            {
                body["contextWindow"] = window;
            }

            if (parseResult.GetTrimmed(provider) is { } label)
            {
                body["provider"] = label;
            }

            return context.RunAsync(
                parseResult,
                (api, ct) => api.PutAsync(Path(parseResult.GetRequiredValue(model)), body, CliJsonContext.Default.JsonObject, CliJsonContext.Default.PriceDetails, ct),
                (price, writer) =>
                {
                    writer.WriteLine(TerminalText.Clean($"Set the price of {price.Model}; every front-end applies it within its refresh interval."));
                    writer.WriteLine();
                    Render(price, writer);
                },
                cancellationToken);
        });
        return command;
    }

    private static Command BuildRemove(CliContext context)
    {
        var model = ModelArgument("Model whose price to remove.");
        var command = new Command("remove", "Remove a model's price: requests for it are refused (404 model_not_found) from then on, unless a '*' price is set.");
        command.Arguments.Add(model);
        command.SetAction((parseResult, cancellationToken) => context.RunAsync(
            parseResult,
            (api, ct) => api.DeleteAsync(Path(parseResult.GetRequiredValue(model)), CliJsonContext.Default.PriceDetails, ct),
            (price, writer) => writer.WriteLine(TerminalText.Clean($"Removed the price of {price.Model} (was {DisplayFormat.Usd(price.Input)} in, {DisplayFormat.Usd(price.Output)} out per million tokens).")),
            cancellationToken));
        return command;
    }

    private static Argument<string> ModelArgument(string description) => IdArgument.Create("model", description);

    private static string Path(string model) => "prices/" + AdminApiClient.Segments(model.Trim());

    private static string Text(decimal usd) => usd.ToString(CultureInfo.InvariantCulture);

    private static string Tokens(int? tokens) => tokens is { } t ? DisplayFormat.Count(t) : DisplayFormat.None;

    private static Option<int?> OptionalTokens(string name, string description, int max)
    {
        var option = new Option<int?>(name) { Description = description, HelpName = "tokens" };
        option.CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value.Trim() : "";
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > max)
            {
                result.AddError($"{name} must be a whole number from 1 to {max}, got '{text}'.");
                return null;
            }

            return value;
        };
        return option;
    }

    private static void Render(PriceDetails price, TextWriter output) =>
        new KeyValueList()
            .Add("Model", price.Model)
            .Add("Input", DisplayFormat.Usd(price.Input) + " per 1M tokens")
            .Add("Output", DisplayFormat.Usd(price.Output) + " per 1M tokens")
            .Add("Cached input", DisplayFormat.Usd(price.CachedInput) + " per 1M tokens")
            .Add("Cache write 5m", DisplayFormat.Usd(price.CacheWrite5m) + " per 1M tokens")
            .Add("Cache write 1h", DisplayFormat.Usd(price.CacheWrite1h) + " per 1M tokens")
            .Add("Max output", Tokens(price.MaxOutputTokens))
            .Add("Context window", Tokens(price.ContextWindow))
            .Add("Provider", price.Provider)
            .Add("Updated", DisplayFormat.Timestamp(price.UpdatedAt))
            .Add("Updated by", price.UpdatedBy)
            .WriteTo(output);
}
