namespace Gateway.Simulator.OpenAi;

internal static class OpenAiConstants
{
    /// <summary>Fixed, because the backend configuration it stands for never changes here.</summary>
    public const string SystemFingerprint = "fp_simulator";
}
