namespace Gateway.Simulator.OpenAi.Responses;

/// <summary><c>response.content_part.added</c> (with empty text) or <c>.done</c> (with all of it).</summary>
internal sealed record ContentPartEvent(string Type, string ItemId, int OutputIndex, int ContentIndex, ResponseOutputText Part, int SequenceNumber);
