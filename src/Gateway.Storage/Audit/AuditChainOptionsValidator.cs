using Microsoft.Extensions.Options;

namespace Gateway.Storage.Audit;

public sealed class AuditChainOptionsValidator : IValidateOptions<AuditChainOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditChainOptions options)
    {
        var failures = new List<string>();
        if (options.ChainSecret is { } secret && secret.Trim().Length < AuditChainOptions.MinSecretLength)
        {
            // The message names the setting, never the value.
            failures.Add($"{AuditChainOptions.Section}:ChainSecret must hold at least {AuditChainOptions.MinSecretLength} characters (for example 32 random bytes, base64).");
        }

        if (options.RequireConfiguredSecret && string.IsNullOrWhiteSpace(options.ChainSecret))
        {
            failures.Add($"{AuditChainOptions.Section}:RequireConfiguredSecret is set but {AuditChainOptions.Section}:ChainSecret is not: configure the audit chain secret (Key Vault when deployed).");
        }

        if (options.ChainSecretFile is { Length: 0 })
        {
            failures.Add($"{AuditChainOptions.Section}:ChainSecretFile is empty: give a path, or leave it out for the default.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
