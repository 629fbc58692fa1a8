namespace Lifeboat.Core.Postgres;

/// <summary>Asks the person at the terminal for a password; implemented by the CLI, absent when not interactive.</summary>
public interface IPasswordPrompt
{
    string? AskPassword(string forWhom);
}
