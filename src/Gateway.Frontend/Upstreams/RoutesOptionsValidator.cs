using Microsoft.Extensions.Options;

namespace Gateway.Frontend.Upstreams;

/// <summary>Every route names upstreams that exist, with sensible weights, and no name means two models.</summary>
public sealed class RoutesOptionsValidator(IOptions<UpstreamsOptions> upstreams) : IValidateOptions<RoutesOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutesOptions options)
    {
        var failures = new List<string>();
        var known = upstreams.Value.All.ToDictionary(u => u.Key, u => UpstreamRouter.KindOf(u.Key, u.Value), StringComparer.OrdinalIgnoreCase);
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, route) in options.Models)
        {
            var prefix = $"{RoutesOptions.Section}:{key}";
            var model = route.Model ?? key;
            if (string.IsNullOrWhiteSpace(model))
            {
                failures.Add($"{prefix}:Model must not be empty.");
            }

            Claim(model, prefix);
            foreach (var alias in route.Aliases)
            {
                if (string.IsNullOrWhiteSpace(alias))
                {
                    failures.Add($"{prefix}:Aliases must not hold an empty name.");
                    continue;
                }

                Claim(alias, prefix);
            }

            if (route.Deployments.Count == 0)
            {
                failures.Add($"{prefix}:Deployments must name at least one deployment.");
            }

            for (var i = 0; i < route.Deployments.Count; i++)
            {
                var deployment = route.Deployments[i];
                var at = $"{prefix}:Deployments:{i}";
                if (!known.TryGetValue(deployment.Upstream ?? "", out var kind))
                {
                    failures.Add($"{at}:Upstream '{deployment.Upstream}' is not configured under {UpstreamsOptions.Section}; configured: {string.Join(", ", known.Keys)}.");
                }
                else if (deployment.Deployment is not null && kind != UpstreamKind.AzureOpenAI)
                {
                    failures.Add($"{at}:Deployment is for AzureOpenAI upstreams; '{deployment.Upstream}' is {kind}. Use Model to name the model the upstream knows.");
                }

                if (deployment.Weight is < 0 or > 1000)
                {
                    failures.Add($"{at}:Weight must be from 0 to 1000, got {deployment.Weight}.");
                }

                if (deployment.Model is { } upstreamModel && string.IsNullOrWhiteSpace(upstreamModel))
                {
                    failures.Add($"{at}:Model must not be empty when set.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Claim(string modelName, string by)
        {
            if (names.TryGetValue(modelName, out var first))
            {
                failures.Add($"{by}: the name '{modelName}' is already taken by {first}; a model or alias name may route to one model only.");
            }
            else
            {
                names[modelName] = by;
            }
        }
    }
}
