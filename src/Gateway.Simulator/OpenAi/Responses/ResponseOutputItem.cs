using System.Text.Json.Serialization;

namespace Gateway.Simulator.OpenAi.Responses;

/// <summary>One item of a response's <c>output</c>, told apart by its <c>type</c>.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ResponseReasoningItem), "reasoning")]
[JsonDerivedType(typeof(ResponseMessageItem), "message")]
[JsonDerivedType(typeof(ResponseFunctionCallItem), "function_call")]
internal abstract record ResponseOutputItem([property: JsonPropertyOrder(-1)] string Id);
