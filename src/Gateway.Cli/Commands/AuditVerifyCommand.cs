using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Api;
using Gateway.Cli.Output;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>audit verify</c>: checks the hash chains of the request ledger and of the admin audit, and
/// names the first broken row of each. Exits 4 when any chain is broken, so a scheduled job can alert.
/// </summary>
internal static class AuditVerifyCommand
{
    public static Command Build(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var key = TextOption.Create("--key", "Verify the chain of this key (its id, not the secret).", "key-id");
        var user = EntityIdInput.Option("--user", "Verify the chains of every key of this user.", "user-id");
        var all = new Option<bool>("--all") { Description = "Verify every key's chain found in the ledger, and the admin audit chain (reads the whole ledger)." };
        var admin = new Option<bool>("--admin") { Description = "Verify only the admin audit chain." };

        var command = new Command(
            "verify",
            "Verify the audit hash chains: each row's HMAC, the sequence without gaps, and each key's newest row against the head its grain holds. " +
            "Reports each chain as ok or its first broken row: edited, deleted, inserted, reordered, truncated or rehashed. " +
            "Give exactly one of --key, --user, --all or --admin. Exit code 4 when a chain is broken.");
        command.Options.Add(key);
        command.Options.Add(user);
        command.Options.Add(all);
        command.Options.Add(admin);
        command.Validators.Add(result =>
        {
            var given = new[] { result.GetResult(key) is not null, result.GetResult(user) is not null, result.GetValue(all), result.GetValue(admin) }.Count(g => g);
            if (given != 1)
            {
                result.AddError("Give exactly one of --key, --user, --all or --admin.");
            }
        });
        command.SetAction((parseResult, cancellationToken) =>
        {
            var path = parseResult.GetTrimmed(key) is { } keyId ? "audit/verify?keyId=" + Uri.EscapeDataString(keyId)
                : parseResult.GetTrimmed(user) is { } userId ? "audit/verify?userId=" + Uri.EscapeDataString(userId)
                : parseResult.GetValue(all) ? "audit/verify?all=true"
                : "audit/verify?admin=true";
            return context.RunAsync(
                parseResult,
                (api, ct) => api.GetAsync(path, CliJsonContext.Default.AuditVerifyReport, ct),
                Render,
                report => report.Ok ? ExitCodes.Success : ExitCodes.CheckFailed,
                cancellationToken);
        });
        return command;
    }

    private static void Render(AuditVerifyReport report, TextWriter output)
    {
        if (report.Results is not { Count: > 0 } results)
        {
            output.WriteLine("No chains to verify.");
            return;
        }

        var table = new Table("CHAIN", "ROWS", "HEAD", "RESULT", "SEQUENCE", "ROW KEY");
        foreach (var chain in results)
        {
            table.AddRow(
                chain.Chain ?? DisplayFormat.None,
                DisplayFormat.Count(chain.Rows),
                chain.AnchoredSequence is { } head ? head.ToString(CultureInfo.InvariantCulture) : DisplayFormat.None,
                chain.Ok ? "ok" : chain.Broken ?? "broken",
                chain.BrokenSequence is { } seq ? seq.ToString(CultureInfo.InvariantCulture) : "",
                chain.BrokenRowKey ?? "");
        }

        table.WriteTo(output);
        foreach (var chain in results.Where(c => !c.Ok && c.Detail is not null))
        {
            output.WriteLine(TerminalText.Clean($"{chain.Chain}: {chain.Detail}"));
        }

        output.WriteLine(report.Ok
            ? $"All {report.Chains} chain(s) intact (chain secret {report.SecretFingerprint})."
            : $"{report.Broken} of {report.Chains} chain(s) broken (chain secret {report.SecretFingerprint}).");
    }
}
