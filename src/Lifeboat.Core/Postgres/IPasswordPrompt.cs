namespace Lifeboat.Core.Postgres;

/// <summary>Asks the person at the terminal for a password; implemented by the CLI, absent when not interactive.</summary>
public interface IPasswordPrompt
{
    /// <summary>The password typed (empty when only Enter was pressed); null when it cannot ask. Throws when <paramref name="ct"/> is cancelled while it waits.</summary>
    Task<string?> AskPasswordAsync(string forWhom, CancellationToken ct);
}
