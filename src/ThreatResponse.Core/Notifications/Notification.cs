namespace ThreatResponse.Core.Notifications;

/// <summary>
/// One message about one response, in a body per reader: <see cref="Text"/> for people reading e-mail;
/// <see cref="Json"/> for machines (SQS, Lambda, HTTP subscribers); <see cref="Chat"/> for people reading Slack or
/// Microsoft Teams through Amazon Q Developer in chat applications (HTTPS subscribers); <see cref="Attributes"/> for
/// subscription filter policies.
/// </summary>
/// <param name="Subject">At most 100 ASCII characters, no line breaks (SNS's rules).</param>
/// <param name="Chat">A <see cref="ChatNotification"/> as JSON: the only shape the chat service renders.</param>
/// <param name="Attributes">Name → value; a value of several strings is sent as a <c>String.Array</c>.</param>
/// <param name="Trimmed">True when detail was dropped to fit SNS's 256 KiB.</param>
public sealed record Notification(string Subject, string Text, string Json, string Chat, IReadOnlyDictionary<string, IReadOnlyList<string>> Attributes, bool Trimmed);
