namespace Gateway.Tests.Deploy;

/// <summary>Every Bicep file under deploy/ compiles and lints with no diagnostic at all: a warning fails the suite.</summary>
public sealed class BicepLintTests
{
    [Fact]
    public void Every_bicep_file_compiles_and_lints_without_a_warning()
    {
        var files = BicepCli.BicepFiles().ToList();
        Assert.Contains(files, f => f.EndsWith("main.bicep", StringComparison.Ordinal));

        var problems = new List<string>();
        foreach (var file in files)
        {
            foreach (var command in new[] { "build", "lint" })
            {
                string[] args = command == "build" ? [command, file, "--stdout"] : [command, file];
                var (exit, _, diagnostics) = BicepCli.Run(args);
                if (exit != 0 || !string.IsNullOrWhiteSpace(diagnostics))
                {
                    problems.Add($"bicep {command} {Path.GetRelativePath(BicepCli.RepositoryRoot, file)} (exit {exit}):\n{diagnostics}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
