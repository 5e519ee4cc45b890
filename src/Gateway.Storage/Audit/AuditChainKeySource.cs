using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Storage.Audit;

/// <summary>
/// Finds the chain secret: the configured one, else the one kept in <see cref="AuditChainOptions.ChainSecretFile"/>,
/// generated there once. Generation is safe when several processes start together: the file appears
/// whole (written aside, then linked into place) and whoever loses the race reads the winner's.
/// </summary>
public static partial class AuditChainKeySource
{
    public static AuditChainKey Load(IOptions<AuditChainOptions> options, ILogger logger)
    {
        var o = options.Value;
        if (!string.IsNullOrWhiteSpace(o.ChainSecret))
        {
            return new AuditChainKey(o.ChainSecret);
        }

        var path = Path.GetFullPath(o.ChainSecretFile ?? AuditChainOptions.DefaultSecretFile);
        if (!File.Exists(path))
        {
            Generate(path);
        }

        var secret = File.ReadAllText(path).Trim();
        if (secret.Length < AuditChainOptions.MinSecretLength)
        {
            throw new OptionsValidationException(AuditChainOptions.Section, typeof(AuditChainOptions),
                [$"The audit chain secret in {path} is shorter than {AuditChainOptions.MinSecretLength} characters."]);
        }

        var key = new AuditChainKey(secret);
        LogSecretFromFile(logger, AuditChainOptions.Section, path, key.Fingerprint);
        return key;
    }

    private static void Generate(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(temporary, options)))
        {
            writer.WriteLine(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process generated it first: theirs is the secret.
            File.Delete(temporary);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No {Section}:ChainSecret configured: the audit chains are keyed with the generated secret kept in {SecretFile} (fingerprint {Fingerprint}). Configure one in production")]
    private static partial void LogSecretFromFile(ILogger logger, string section, string secretFile, string fingerprint);
}
