namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>
/// A call of one of the request's function tools. <see cref="Arguments"/> is a JSON object as a
/// string, as the API sends it (empty while a stream has only added the item).
/// </summary>
internal sealed record ResponseFunctionCallItem(string Id, string Status, string CallId, string Name, string Arguments) : ResponseOutputItem(Id);
