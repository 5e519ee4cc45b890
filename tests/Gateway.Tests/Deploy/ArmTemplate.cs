using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests.Deploy;

/// <summary>A compiled ARM template (or a module's nested one) and the resources in it, nested deployments included.</summary>
public sealed partial class ArmTemplate(JsonObject template, string path)
{
    public JsonObject Json { get; } = template;

    /// <summary>Where the template sits: <c>main</c>, or the chain of module deployments leading to it.</summary>
    public string Path { get; } = path;

    /// <summary>The resources of this template only, whether the compiler wrote them as an array or by symbolic name.</summary>
    public IEnumerable<JsonObject> OwnResources => Json["resources"] switch
    {
        JsonArray array => array.OfType<JsonObject>(),
        JsonObject byName => byName.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    /// <summary>This template and every module's below it.</summary>
    public IEnumerable<ArmTemplate> WithModules()
    {
        yield return this;
        foreach (var deployment in OwnResources.Where(r => Type(r) == "Microsoft.Resources/deployments"))
        {
            if (deployment["properties"]?["template"] is JsonObject inner)
            {
                foreach (var nested in new ArmTemplate(inner, $"{Path}/{deployment["name"]}").WithModules())
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>Every resource of a type, in this template or any module's, with the template it is in.</summary>
    public IEnumerable<(ArmTemplate Template, JsonObject Resource)> Resources(string type) =>
        WithModules().SelectMany(t => t.OwnResources.Where(r => string.Equals(Type(r), type, StringComparison.OrdinalIgnoreCase)).Select(r => (t, r)));

    /// <summary>The deployment of a module in this template, by its symbolic name in the Bicep (<c>silos</c>).</summary>
    public JsonObject Module(string symbolicName) =>
        Json["resources"]?[symbolicName]?.AsObject() ?? throw new InvalidOperationException($"{Path} has no module '{symbolicName}'.");

    /// <summary>A text with <c>variables('x')</c> replaced by the variable's value where it is a plain string.</summary>
    public string ResolveVariables(string expression) =>
        VariableReference().Replace(expression, m => Json["variables"]?[m.Groups[1].Value] is JsonValue v && v.TryGetValue<string>(out var s) ? $"'{s}'" : m.Value);

    public static string? Type(JsonObject resource) => resource["type"]?.ToString();

    [GeneratedRegex(@"variables\('([A-Za-z0-9_]+)'\)")]
    private static partial Regex VariableReference();
}
