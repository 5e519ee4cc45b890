using System.Text.RegularExpressions;

namespace Gateway.Tests.Deploy;

/// <summary>azure.yaml names services that exist, on the hosts the Bicep provides, built without a Dockerfile.</summary>
public sealed partial class AzureYamlTests
{
    private static readonly string Root = BicepCli.RepositoryRoot;

    [Fact]
    public void Every_service_is_a_dotnet_project_deployed_to_a_container_app_the_Bicep_tags_for_it()
    {
        var services = Services(File.ReadAllLines(Path.Combine(Root, "azure.yaml")));
        Assert.Equal(["frontend", "silo"], services.Keys.Order(StringComparer.Ordinal));
        var compiled = BicepCli.MainTemplateText;
        foreach (var (name, settings) in services)
        {
            Assert.Equal("dotnet", settings["language"]);
            Assert.Equal("containerapp", settings["host"]);
            var project = Path.GetFullPath(Path.Combine(Root, settings["project"]));
            Assert.True(Directory.Exists(project), $"{name}: {project} does not exist");
            Assert.NotEmpty(Directory.GetFiles(project, "*.csproj"));
            // With no Dockerfile, azd builds the image with dotnet publish's container support.
            Assert.False(File.Exists(Path.Combine(project, "Dockerfile")), $"{name}: a Dockerfile would replace the SDK's container build");
            Assert.Contains($"'{name}'", compiled, StringComparison.Ordinal); // the azd-service-name tag's value
        }

        Assert.Contains("azd-service-name", compiled, StringComparison.Ordinal);
    }

    [Fact]
    public void Infra_points_at_main_bicep_and_its_parameters_file()
    {
        var text = File.ReadAllText(Path.Combine(Root, "azure.yaml"));
        Assert.Matches(@"(?m)^\s+path: deploy\s*$", text);
        Assert.Matches(@"(?m)^\s+module: main\s*$", text);
        Assert.True(File.Exists(Path.Combine(Root, "deploy", "main.bicep")));
        var parameters = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "deploy", "main.parameters.json")))!["parameters"]!.AsObject();
        var declared = BicepCli.MainTemplate["parameters"]!.AsObject();
        // Every parameter azd passes exists, and every one without a default is passed.
        Assert.All(parameters, p => Assert.True(declared.ContainsKey(p.Key), $"main.bicep has no parameter {p.Key}"));
        Assert.All(declared.Where(d => !d.Value!.AsObject().ContainsKey("defaultValue")), d => Assert.True(parameters.ContainsKey(d.Key), $"azd does not pass {d.Key}"));
        var hook = Regex.Match(text, @"run: (\S+)").Groups[1].Value;
        Assert.True(File.Exists(Path.Combine(Root, hook)), $"hook {hook} missing");
    }

    /// <summary>The services block of azure.yaml (two-space indented maps of scalars), enough for this file.</summary>
    private static Dictionary<string, Dictionary<string, string>> Services(string[] lines)
    {
        var services = new Dictionary<string, Dictionary<string, string>>();
        var inServices = false;
        Dictionary<string, string>? current = null;
        foreach (var line in lines.Where(l => !l.TrimStart().StartsWith('#') && l.Trim().Length > 0))
        {
            if (!line.StartsWith(' '))
            {
                inServices = line.TrimEnd() == "services:";
                continue;
            }

            if (!inServices)
            {
                continue;
            }

            var m = Entry().Match(line);
            if (m.Groups["indent"].Length == 2)
            {
                services[m.Groups["key"].Value] = current = [];
            }
            else if (current is not null)
            {
                current[m.Groups["key"].Value] = m.Groups["value"].Value.Trim();
            }
        }

        return services;
    }

    [GeneratedRegex(@"^(?<indent> +)(?<key>[A-Za-z0-9_-]+):\s*(?<value>.*)$")]
    private static partial Regex Entry();
}
