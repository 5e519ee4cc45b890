namespace Gateway.Simulator.Infrastructure;

/// <summary>Response ids with each provider's prefix; unique per response, like the real ones.</summary>
internal static class Ids
{
    public static string ChatCompletion() => "chatcmpl-" + Random();

    public static string TextCompletion() => "cmpl-" + Random();

    public static string Message() => "msg_" + Random();

    public static string Request() => "req_" + Random();

    private static string Random() => Guid.NewGuid().ToString("N");
}
