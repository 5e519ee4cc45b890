using System.Text.Json.Nodes;

namespace Gateway.Tests.Deploy;

/// <summary>
/// What deploy/main.bicep promises (docs/deployment.md), read from the ARM JSON it compiles to: no
/// Azure account needed.
/// </summary>
public sealed class DeploymentTemplateTests
{
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";

    private static readonly ArmTemplate Main = new(BicepCli.MainTemplate, "main");

    [Fact]
    public void Storage_account_refuses_shared_keys()
    {
        var accounts = Main.Resources("Microsoft.Storage/storageAccounts").ToList();
        Assert.NotEmpty(accounts);
        Assert.All(accounts, a =>
        {
            Assert.False(a.Resource["properties"]!["allowSharedKeyAccess"]!.GetValue<bool>());
            Assert.Equal("TLS1_2", a.Resource["properties"]!["minimumTlsVersion"]!.ToString());
        });
    }

    [Fact]
    public void Each_service_identity_holds_Storage_Table_Data_Contributor_on_the_account()
    {
        var (template, assignment) = Assert.Single(Main.Resources("Microsoft.Authorization/roleAssignments"),
            r => r.Template.OwnResources.Any(x => ArmTemplate.Type(x) == "Microsoft.Storage/storageAccounts"));

        Assert.Contains("Microsoft.Storage/storageAccounts", assignment["scope"]!.ToString(), StringComparison.Ordinal);
        Assert.Contains(TableDataContributor, template.ResolveVariables(assignment["properties"]!["roleDefinitionId"]!.ToString()), StringComparison.Ordinal);
        // One assignment per principal the module is given, and it is given both services' identities.
        Assert.Equal("[length(parameters('principalIds'))]", assignment["copy"]!["count"]!.ToString());
        var principals = Main.Module("storage")["properties"]!["parameters"]!["principalIds"]!["value"]!.AsArray().Select(p => p!.ToString()).ToList();
        Assert.Equal(2, principals.Count);
        Assert.Contains(principals, p => p.Contains("siloPrincipalId", StringComparison.Ordinal));
        Assert.Contains(principals, p => p.Contains("frontendPrincipalId", StringComparison.Ordinal));
    }

    [Fact]
    public void Key_vault_is_in_RBAC_mode_and_the_identities_may_read_secrets()
    {
        var (template, vault) = Assert.Single(Main.Resources("Microsoft.KeyVault/vaults"));
        Assert.True(vault["properties"]!["enableRbacAuthorization"]!.GetValue<bool>());
        var readers = template.OwnResources.Where(r => ArmTemplate.Type(r) == "Microsoft.Authorization/roleAssignments").ToList();
        Assert.Contains(readers, r => template.ResolveVariables(r["properties"]!["roleDefinitionId"]!.ToString()).Contains(KeyVaultSecretsUser, StringComparison.Ordinal)
            && r["scope"]!.ToString().Contains("Microsoft.KeyVault/vaults", StringComparison.Ordinal));
    }

    [Fact]
    public void Container_apps_take_secrets_only_as_Key_Vault_references()
    {
        var apps = Main.Resources("Microsoft.App/containerApps").ToList();
        Assert.Equal(2, apps.Count); // silo.bicep and frontend.bicep
        foreach (var (_, app) in apps)
        {
            var configuration = app["properties"]!["configuration"]!.AsObject();
            Assert.False(configuration.ContainsKey("secrets"), "secrets must come from the Key Vault loop only");
            var loop = Assert.Single(configuration["copy"]!.AsArray(), c => c!["name"]!.ToString() == "secrets")!;
            var secret = loop["input"]!.AsObject();
            Assert.False(secret.ContainsKey("value"), "a container app secret holds a value");
            Assert.True(secret.ContainsKey("keyVaultUrl"));
            Assert.Equal("[parameters('identityId')]", secret["identity"]!.ToString());
        }

        // A secret setting is named once, in the map from vault secret to setting, which only ever becomes a secretRef.
        var text = BicepCli.MainTemplateText;
        foreach (var setting in new[] { "Gateway__Audit__ChainSecret", "Gateway__AdminKey", "Gateway__Upstreams__OpenAI__ApiKey", "Gateway__Upstreams__Anthropic__ApiKey", "Gateway__Alerts__WebhookUrl" })
        {
            Assert.Equal(1, text.Split(setting).Length - 1);
            Assert.Contains(setting, Main.Json["variables"]!["secretEnv"]!.ToJsonString(), StringComparison.Ordinal);
        }

        Assert.Contains("'secretRef'", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Silos_and_front_ends_probe_healthz_and_readyz()
    {
        foreach (var (template, app) in Main.Resources("Microsoft.App/containerApps"))
        {
            var probes = app["properties"]!["template"]!["containers"]![0]!["probes"]!.AsArray();
            Assert.Contains(probes, p => p!["type"]!.ToString() == "Liveness" && p["httpGet"]!["path"]!.ToString() == "/healthz");
            Assert.Contains(probes, p => p!["type"]!.ToString() == "Readiness" && p["httpGet"]!["path"]!.ToString() == "/readyz");
            Assert.True(app["properties"]!["template"]!["terminationGracePeriodSeconds"]!.GetValue<int>() >= 30, $"{template.Path}: time to drain and settle");
        }
    }

    [Fact]
    public void Each_silo_is_its_own_app_with_exactly_one_replica()
    {
        var silos = Main.Module("silos");
        Assert.Contains("range(0, parameters('siloCount'))", silos["copy"]!["count"]!.ToString(), StringComparison.Ordinal);
        var (_, app) = Assert.Single(new ArmTemplate(silos["properties"]!["template"]!.AsObject(), "silo").Resources("Microsoft.App/containerApps"));
        var scale = app["properties"]!["template"]!["scale"]!;
        Assert.Equal(1, scale["minReplicas"]!.GetValue<int>());
        Assert.Equal(1, scale["maxReplicas"]!.GetValue<int>());
        Assert.False(app["properties"]!["configuration"]!.AsObject().ContainsKey("ingress"), "silos have no ingress");
    }

    [Fact]
    public void Front_ends_keep_two_replicas_or_more_and_scale_on_concurrent_requests_in_every_region()
    {
        Assert.True(Main.Json["parameters"]!["frontendMinReplicas"]!["minValue"]!.GetValue<int>() >= 2);
        var frontends = Main.Module("frontends");
        Assert.Equal("[length(variables('allRegions'))]", frontends["copy"]!["count"]!.ToString());
        Assert.Contains("parameters('regions')", Main.Json["variables"]!["allRegions"]!.ToString(), StringComparison.Ordinal);

        var module = new ArmTemplate(frontends["properties"]!["template"]!.AsObject(), "frontend");
        Assert.True(module.Json["parameters"]!["minReplicas"]!["minValue"]!.GetValue<int>() >= 2);
        var (_, app) = Assert.Single(module.Resources("Microsoft.App/containerApps"));
        Assert.True(app["properties"]!["configuration"]!["ingress"]!["external"]!.GetValue<bool>());
        var scale = app["properties"]!["template"]!["scale"]!;
        Assert.Equal("[parameters('minReplicas')]", scale["minReplicas"]!.ToString());
        Assert.Contains(scale["rules"]!.AsArray(), r => r!["http"]?["metadata"]?["concurrentRequests"] is not null);
    }

    [Fact]
    public void A_Consumption_budget_alerts_by_email_and_through_an_action_group()
    {
        var (template, budget) = Assert.Single(Main.Resources("Microsoft.Consumption/budgets"));
        Assert.Equal("Monthly", budget["properties"]!["timeGrain"]!.ToString());
        var notifications = budget["properties"]!["notifications"]!.ToJsonString() + template.Json["variables"]!.ToJsonString();
        foreach (var expected in new[] { "Actual", "Forecasted", "contactEmails", "contactGroups", "Microsoft.Insights/actionGroups" })
        {
            Assert.Contains(expected, notifications, StringComparison.Ordinal);
        }

        var (_, group) = Assert.Single(template.Resources("Microsoft.Insights/actionGroups"));
        var receivers = group["properties"]!.AsObject();
        Assert.Contains(receivers["copy"]!.AsArray(), c => c!["name"]!.ToString() == "emailReceivers");
        Assert.Contains("serviceUri", receivers["webhookReceivers"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Apps_reach_storage_by_endpoint_and_identity_and_export_to_Application_Insights()
    {
        var text = BicepCli.MainTemplateText;
        Assert.Contains("'Gateway__Storage__TableEndpoint', 'value', reference('storage').outputs.tableEndpoint.value", text, StringComparison.Ordinal);
        Assert.Contains("'APPLICATIONINSIGHTS_CONNECTION_STRING', 'value', reference('monitoring').outputs.connectionString.value", text, StringComparison.Ordinal);
        Assert.Contains("'AZURE_CLIENT_ID'", BicepCli.MainTemplateText, StringComparison.Ordinal);
        Assert.DoesNotContain("Gateway__Storage__ConnectionString", text, StringComparison.Ordinal);
        Assert.DoesNotContain("GATEWAY_STORAGE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", text, StringComparison.Ordinal);
        Assert.DoesNotContain("listKeys(resourceId('Microsoft.Storage", text, StringComparison.Ordinal);
    }
}
