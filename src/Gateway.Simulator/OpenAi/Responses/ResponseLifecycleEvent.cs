namespace Gateway.Simulator.OpenAi.Responses;

/// <summary><c>response.created</c>, <c>.in_progress</c>, <c>.completed</c> or <c>.incomplete</c>: the whole response as it stands.</summary>
internal sealed record ResponseLifecycleEvent(string Type, ResponseObject Response, int SequenceNumber);
