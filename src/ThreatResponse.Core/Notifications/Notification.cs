namespace ThreatResponse.Core.Notifications;

/// <summary>
/// One message about one response. <see cref="Text"/> is for people (e-mail, chat); <see cref="Json"/> for machines
/// (SQS, Lambda, HTTPS subscribers); <see cref="Attributes"/> for subscription filter policies.
/// </summary>
/// <param name="Subject">At most 100 ASCII characters, no line breaks (SNS's rules).</param>
/// <param name="Attributes">Name → value; a value of several strings is sent as a <c>String.Array</c>.</param>
/// <param name="Trimmed">True when detail was dropped to fit SNS's 256 KiB.</param>
public sealed record Notification(string Subject, string Text, string Json, IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes, bool Trimmed);
