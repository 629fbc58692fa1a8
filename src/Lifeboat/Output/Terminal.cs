using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lifeboat.Core.Postgres;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>
/// The console in one place: whether a person is there, the prompts only they may see, and every line lifeboat prints
/// (tables through <see cref="Out"/>, errors and warnings on stderr, JSON and monitoring lines on stdout).
/// </summary>
public sealed class Terminal : IPasswordPrompt
{
    public static readonly Terminal Instance = new();

    public IAnsiConsole Out { get; } = CreateConsole();

    private static IAnsiConsole CreateConsole()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            // NO_COLOR turns off colours only (Spectre honours it); the arrow-key list still needs ANSI.
            Ansi = Console.IsOutputRedirected ? AnsiSupport.No : AnsiSupport.Detect,
            Interactive = IsInteractive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        // Redirected output goes to files and scripts: do not wrap tables at 80 columns.
        if (Console.IsOutputRedirected)
            console.Profile.Width = 240;
        return console;
    }

    /// <summary>A person at a terminal: stdin and stdout are both a TTY.</summary>
    public static bool IsInteractive => !Console.IsInputRedirected && !Console.IsOutputRedirected;

    /// <summary>Stdout goes to a file or a pipe: plain lines for grep and awk, no table borders.</summary>
    public static bool IsOutputRedirected => Console.IsOutputRedirected;

    /// <summary>
    /// One line on stderr: "error: …", "warning: …", "FAILED …". A terminal that was closed (SIGHUP) cannot show it:
    /// then the line is dropped rather than turned into a crash after the cleanup.
    /// </summary>
    public void Error(string line) => Quietly(() => Console.Error.WriteLine(line));

    /// <summary>
    /// Writes to the terminal on the way out of a cancelled prompt: a closed terminal (EIO) must not turn the
    /// cancellation into another error.
    /// </summary>
    public static void Quietly(Action write)
    {
        try { write(); }
        catch (IOException) { }
    }

    /// <summary>"warning: …" on stderr (dropped on a closed terminal, like <see cref="Error"/>: the warning is in the log too).</summary>
    public void Warning(string message) => Quietly(() => Console.Error.WriteLine($"warning: {message}"));

    /// <summary>One plain line on stdout, as a monitoring system reads it.</summary>
    public void Line(string text) => Console.Out.WriteLine(text);

    /// <summary>A result as JSON on stdout, for scripts.</summary>
    public void Json<T>(T value, JsonTypeInfo<T> type) => Console.Out.WriteLine(JsonSerializer.Serialize(value, type));

    /// <summary>A command's result: as JSON when <paramref name="asJson"/>, else in words by <paramref name="inWords"/>.</summary>
    public void Result<T>(bool asJson, T value, JsonTypeInfo<T> type, Action<IAnsiConsole> inWords)
    {
        if (asJson)
            Json(value, type);
        else
            inWords(Out);
    }

    /// <summary>Bytes already encoded as JSON (a manifest), on stdout.</summary>
    public void Json(byte[] utf8) => Console.Out.WriteLine(System.Text.Encoding.UTF8.GetString(utf8));

    /// <summary>
    /// Like psql: asks only when stdin is a terminal, writes the question to stderr (stdout may be redirected,
    /// e.g. with --json) and echoes nothing. Ctrl-C (or SIGTERM, SIGHUP) while it waits cancels it.
    /// </summary>
    public async Task<string?> AskPasswordAsync(string forWhom, CancellationToken ct)
    {
        if (Console.IsInputRedirected)
            return null;
        Console.Error.Write($"Password for {forWhom}: ");
        var password = new System.Text.StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key;
            try
            {
                key = await ReadKeyAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                Error("");
                throw new PromptCancelledException("password prompt");
            }
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
        Console.Error.WriteLine();
        return password.ToString();
    }

    public IPasswordPrompt? PasswordPrompt => Console.IsInputRedirected ? null : this;

    /// <summary>
    /// The next key pressed, without echo. Console.ReadKey cannot be interrupted, so this waits for a key to be there
    /// (as Spectre's own input does) and so gives way to <paramref name="ct"/>: Ctrl-C is a signal, not a key.
    /// </summary>
    public static async Task<ConsoleKeyInfo> ReadKeyAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                // A hung-up terminal says a key is there and then fails to read one: the token is asked every time.
                ct.ThrowIfCancellationRequested();
                if (Console.KeyAvailable)
                    return Console.ReadKey(intercept: true);
                await Task.Delay(KeyPollInterval, ct);
            }
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The terminal is gone (closed, EIO): the same as a hang-up, whose signal may still be on its way.
            throw new OperationCanceledException("the terminal was closed", e, ct);
        }
    }

    private static readonly TimeSpan KeyPollInterval = TimeSpan.FromMilliseconds(20);
}
