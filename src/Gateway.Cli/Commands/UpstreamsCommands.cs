using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>The <c>upstreams</c> command: the upstreams and routes a front-end runs with, and which circuits are open on it.</summary>
internal static class UpstreamsCommands
{
    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var upstreams = new Command("upstreams", "Show the upstreams (kind, address, auth mode, circuit) and the model routes of the front-end answering.");
        var list = new Command("list", "List upstreams and routes. Circuits are per front-end: the one answering is named.");
        list.SetAction((parseResult, cancellationToken) => context.RunAsync(
            parseResult,
            (api, ct) => api.GetAsync("upstreams", CliJsonContext.Default.UpstreamList, ct),
            Render,
            cancellationToken));
        upstreams.Subcommands.Add(list);
        return upstreams;
    }

    private static void Render(UpstreamList list, TextWriter output)
    {
        output.WriteLine(TerminalText.Clean($"Front-end: {list.Frontend}"));
        var upstreams = new Table("UPSTREAM", "KIND", "BASE URL", "AUTH", "API VERSION", "TIMEOUT", "CIRCUIT");
        foreach (var u in list.Upstreams)
        {
            upstreams.AddRow(u.Name, u.Kind, u.BaseUrl, u.Auth, u.ApiVersion ?? "-",
                u.Timeout is { } t ? t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : "-", u.Circuit);
        }

        upstreams.WriteTo(output);
        output.WriteLine();
        if (list.Routes.Count == 0)
        {
            output.WriteLine("No routes: each model goes to the OpenAI or Anthropic upstream under its own name.");
            return;
        }

        var routes = new Table("MODEL", "ALIASES", "DEPLOYMENTS (priority, weight)");
        foreach (var r in list.Routes)
        {
            routes.AddRow(r.Model, DisplayFormat.List(r.Aliases, "-"),
                string.Join(", ", r.Deployments.Select(d => $"{d.Upstream}{Name(d)} (p{d.Priority}, w{d.Weight})")));
        }

        routes.WriteTo(output);
    }

    private static string Name(DeploymentDetails d) => d.Deployment is { } deployment ? "/" + deployment : d.Model is { } model ? ":" + model : "";
}
