namespace Lifeboat.Core.Errors;

/// <summary>An error a user can act on: the message says what is wrong, the hint what to do.</summary>
public class LifeboatException(string message, string? hint = null, int exitCode = ExitCodes.Failure, Exception? inner = null)
    : Exception(message, inner)
{
    public string? Hint { get; } = hint;
    public int ExitCode { get; } = exitCode;

    /// <summary>
    /// The key under which an operation puts the path of its log into an unexpected exception's <see cref="Exception.Data"/>,
    /// so that the one line the user sees names that log.
    /// </summary>
    public const string LogLocationKey = "lifeboat.log";

    /// <summary>The single line shown to the user.</summary>
    public string OneLine => Hint is null ? Message : $"{Message} — {Hint}";
}
