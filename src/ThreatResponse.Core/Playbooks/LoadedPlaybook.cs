namespace ThreatResponse.Core.Playbooks;

/// <summary>The playbook in force, or why there is none: then nothing is contained (fail safe).</summary>
public sealed record LoadedPlaybook(Playbook? Playbook, string Source, string? Error);
