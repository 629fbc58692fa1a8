using Lifeboat.Core.Postgres;
using Spectre.Console;

namespace Lifeboat.Cli.Console;

/// <summary>The console in one place: whether a person is there, and the prompts only they may see.</summary>
public sealed class Terminal : IPasswordPrompt
{
    public static readonly Terminal Instance = new();

    public IAnsiConsole Out { get; } = CreateConsole();

    private static IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            // NO_COLOR turns off colours only (Spectre honours it); the arrow-key list still needs ANSI.
            Ansi = System.Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            Interactive = IsInteractive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        // Redirected output goes to files and scripts: do not wrap tables at 80 columns.
        if (System.Console.IsOutputRedirected)
            console.Profile.Width = 240;
        return console;
    }

    /// <summary>A person at a terminal: stdin and stdout are both a TTY.</summary>
    public static bool IsInteractive => !System.Console.IsInputRedirected && !System.Console.IsOutputRedirected;

    /// <summary>
    /// Like psql: asks only when stdin is a terminal, writes the question to stderr (stdout may be redirected,
    /// e.g. with --json) and echoes nothing.
    /// </summary>
    public string? AskPassword(string forWhom)
    {
        if (System.Console.IsInputRedirected)
            return null;
        System.Console.Error.Write($"Password for {forWhom}: ");
        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = System.Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                    password.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar))
                password.Append(key.KeyChar);
        }
        System.Console.Error.WriteLine();
        return password.ToString();
    }

    public IPasswordPrompt? PasswordPrompt => System.Console.IsInputRedirected ? null : this;
}
