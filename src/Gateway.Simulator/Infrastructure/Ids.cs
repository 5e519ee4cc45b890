namespace Gateway.Simulator.Infrastructure;

/// <summary>Response ids with each provider's prefix; unique per response, like the real ones.</summary>
internal static class Ids
{
    public static string ChatCompletion() => "chatcmpl-" + Random();

    public static string TextCompletion() => "cmpl-" + Random();

    public static string Message() => "msg_" + Random();

    public static string Response() => "resp_" + Random();

    /// <summary>An output item of a response: <c>msg_</c>, <c>fc_</c> (function call) or <c>rs_</c> (reasoning).</summary>
    public static string OutputItem(string prefix) => prefix + "_" + Random();

    public static string Call() => "call_" + Random();

    public static string Request() => "req_" + Random();

    private static string Random() => Guid.NewGuid().ToString("N");
}
