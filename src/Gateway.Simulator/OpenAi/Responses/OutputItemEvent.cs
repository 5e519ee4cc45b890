namespace Gateway.Simulator.OpenAi.Responses;

/// <summary><c>response.output_item.added</c> or <c>.done</c>.</summary>
internal sealed record OutputItemEvent(string Type, int OutputIndex, ResponseOutputItem Item, int SequenceNumber);
