namespace Lifeboat.Cli.Output;

/// <summary>
/// Ctrl-C (or SIGTERM, SIGHUP) while a prompt waited for the person at the terminal: nothing had been changed yet,
/// and anything prepared meanwhile (a decompressed copy) is removed on the way out.
/// </summary>
public sealed class PromptCancelledException(string where) : OperationCanceledException($"cancelled at the {where}")
{
    /// <summary>The prompt, as the cancelled line names it: "confirmation", "list of backups", "password prompt".</summary>
    public string Where { get; } = where;
}
