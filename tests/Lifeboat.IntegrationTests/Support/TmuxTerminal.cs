using System.Diagnostics;
using System.Text;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// Runs the real CLI in a real terminal: a detached tmux session on a private tmux server (its own socket), so a
/// spec can read the screen and press keys like a person. The connection's environment (with the password) goes
/// into a 0600 script, never onto a command line. Disposing kills the private tmux server and deletes its socket and the script.
/// </summary>
public sealed class TmuxTerminal : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    readonly string _socket;
    readonly string _folder;
    readonly string _exitFile;

    TmuxTerminal(string socket, string folder)
    {
        _socket = socket;
        _folder = folder;
        _exitFile = Path.Combine(folder, "exit-code");
    }

    const string Session = "lifeboat";

    public static bool IsAvailable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(dir => File.Exists(Path.Combine(dir, "tmux")));

    /// <summary>
    /// Starts lifeboat (<see cref="LifeboatCli.Command"/>) ARGS in a terminal <paramref name="width"/> columns wide
    /// (50 lines) with <paramref name="env"/> set.
    /// </summary>
    public static async Task<TmuxTerminal> StartLifeboatAsync(IEnumerable<string> args, IDictionary<string, string> env, int width = 200)
    {
        var folder = Directory.CreateTempSubdirectory("lifeboat-tmux-").FullName;
        var terminal = new TmuxTerminal(Path.Combine(folder, "tmux.sock"), folder);
        try
        {
            var script = new StringBuilder("#!/bin/sh\n");
            foreach (var (key, value) in env)
                script.Append("export ").Append(key).Append('=').Append(Quote(value)).Append('\n');
            script.Append("cd ").Append(Quote(folder)).Append('\n');
            // Ctrl-C goes to the shell too: caught (not ignored, which lifeboat would inherit), so the shell lives on to
            // write the exit code and keep the screen.
            script.Append("trap : INT\n");
            script.Append(string.Join(' ', LifeboatCli.Command.Select(Quote)));
            foreach (var arg in args)
                script.Append(' ').Append(Quote(arg));
            script.Append('\n');
            script.Append("echo \"EXIT:$?\" > ").Append(Quote(terminal._exitFile)).Append('\n');
            script.Append("sleep 30\n"); // keep the screen readable after the CLI has exited
            var scriptPath = Path.Combine(folder, "run.sh");
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            await using (var writer = new StreamWriter(new FileStream(scriptPath, options)))
                await writer.WriteAsync(script.ToString());

            await terminal.TmuxAsync(["new-session", "-d", "-s", Session, "-x", width.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-y", "50", "sh " + Quote(scriptPath)]);
            return terminal;
        }
        catch
        {
            await terminal.DisposeAsync();
            throw;
        }
    }

    /// <summary>The visible screen, as text.</summary>
    public async Task<string> ScreenAsync() => await TmuxAsync(["capture-pane", "-p", "-J", "-t", Session]);

    /// <summary>Waits until the screen shows <paramref name="text"/>; throws with the screen on timeout.</summary>
    public Task<string> WaitForTextAsync(string text, TimeSpan? timeout = null) =>
        WaitForScreenAsync(screen => screen.Contains(text, StringComparison.Ordinal), $"'{text}'", timeout);

    public async Task<string> WaitForScreenAsync(Func<string, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var screen = "";
        while (DateTime.UtcNow < deadline)
        {
            screen = await ScreenAsync();
            if (condition(screen))
                return screen;
            if (ExitCode() is { } exit)
            {
                screen = await ScreenAsync();
                if (condition(screen))
                    return screen;
                throw new TimeoutException($"lifeboat exited ({exit}) before the screen showed {what}:\n{screen}");
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the screen did not show {what} within {timeout ?? DefaultTimeout}:\n{screen}");
    }

    /// <summary>Presses keys by tmux name: "Down", "Enter", "C-c", …</summary>
    public Task PressAsync(params string[] keys) => TmuxAsync(["send-keys", "-t", Session, .. keys]);

    /// <summary>Types text literally.</summary>
    public Task TypeAsync(string text) => TmuxAsync(["send-keys", "-t", Session, "-l", text]);

    /// <summary>Whether the terminal shows its cursor now (tmux's cursor_flag: a program hid it with ESC[?25l, or showed it again).</summary>
    public async Task<bool> CursorVisibleAsync() => (await TmuxAsync(["display-message", "-p", "-t", Session, "#{cursor_flag}"])).Trim() == "1";

    /// <summary>The pid of the running CLI: the one child of the shell in the pane. Throws when it is not running.</summary>
    public async Task<int> LifeboatPidAsync()
    {
        var shell = (await TmuxAsync(["display-message", "-p", "-t", Session, "#{pane_pid}"])).Trim();
        var children = File.ReadAllText($"/proc/{shell}/task/{shell}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return children.Length == 1 ? int.Parse(children[0], System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"expected lifeboat to be the one child of the pane's shell {shell}, found [{string.Join(' ', children)}]");
    }

    /// <summary>Waits until process <paramref name="pid"/> has exited (gone, or a zombie nobody has reaped yet).</summary>
    public static async Task WaitForProcessExitAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z'))
                    return;
            }
            catch (IOException) { return; } // FileNotFound and DirectoryNotFound are IOExceptions: it is gone
            await Task.Delay(100);
        }
        throw new TimeoutException($"process {pid} was still running after {timeout}");
    }

    /// <summary>Closes the terminal, as a person closing its window does: the programs in it get SIGHUP.</summary>
    public Task CloseAsync() => TmuxAsync(["kill-session", "-t", Session]);

    /// <summary>The CLI's exit code once it has exited, else null.</summary>
    public int? ExitCode()
    {
        try
        {
            var text = File.ReadAllText(_exitFile).Trim();
            return text.StartsWith("EXIT:", StringComparison.Ordinal) && int.TryParse(text[5..], out var code) ? code : null;
        }
        catch (IOException) { return null; }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (ExitCode() is { } code)
                return code;
            await Task.Delay(200);
        }
        throw new TimeoutException($"lifeboat did not exit within {timeout}:\n{await ScreenAsync()}");
    }

    public async ValueTask DisposeAsync()
    {
        try { await TmuxAsync(["kill-server"]); }
        catch (InvalidOperationException) { } // already gone (never started, or the session ended)
        try { Directory.Delete(_folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    async Task<string> TmuxAsync(IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo("tmux")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-S"); // a socket of our own: never the user's tmux server
        psi.ArgumentList.Add(_socket);
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        // The tmux server inherits this environment: none of the developer's PG* settings, and no TMUX of an outer session.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal) || k == "TMUX" || k == "NO_COLOR").ToList())
            psi.Environment.Remove(key);
        psi.Environment["TERM"] = "xterm-256color";

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start tmux");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
