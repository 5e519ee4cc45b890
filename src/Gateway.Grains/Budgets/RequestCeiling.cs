using Gateway.Core;

namespace Gateway.Grains.Budgets;

/// <summary>
/// The per-request ceilings of a key, user or team: a request whose worst case (its reservation, and
/// the prompt tokens counted by the tokenizer) is above <c>maxRequestUsd</c> or <c>maxInputTokens</c>
/// is refused before anything is held. A request that reserves nothing (token counting, a model
/// priced at zero) cannot spend, so no ceiling applies to it.
/// </summary>
public static class RequestCeiling
{
    /// <summary>Why the request is over a ceiling of <paramref name="holder"/> ("the key", "user 'bea'"), or null.</summary>
    public static string? Refusal(SpendControls? controls, BudgetHold hold, string holder)
    {
        if (controls is null || hold.ReserveMicros <= 0)
        {
            return null;
        }

        if (controls.MaxInputTokens is { } maxTokens && hold.InputTokens > maxTokens)
        {
            return $"This request's prompt is {hold.InputTokens} tokens, more than the {maxTokens} tokens per request {holder} allows (maxInputTokens); send less input.";
        }

        if (controls.MaxRequestMicros is { } maxMicros && hold.ReserveMicros > maxMicros)
        {
            return $"This request may cost up to ${Money.ToUsd(hold.ReserveMicros)}, more than the ${Money.ToUsd(maxMicros)} per request {holder} allows (maxRequestUsd); "
                + "lower max_tokens or send less input.";
        }

        return null;
    }
}
