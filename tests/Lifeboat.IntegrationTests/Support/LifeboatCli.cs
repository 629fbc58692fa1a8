using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Lifeboat.IntegrationTests.Support;

public sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs the real CLI (<c>dotnet lifeboat.dll</c> from the test output folder) as a child process.</summary>
public static class LifeboatCli
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "lifeboat.dll");

    /// <summary>
    /// The command line that starts the CLI: <c>dotnet lifeboat.dll</c>, or the executable LIFEBOAT_TEST_EXE names (the
    /// Native AOT build that README's install section and bench/run use: `LIFEBOAT_TEST_EXE=$PWD/.bench/app-aot/lifeboat scripts/test`).
    /// </summary>
    public static IReadOnlyList<string> Command => Environment.GetEnvironmentVariable("LIFEBOAT_TEST_EXE") is { Length: > 0 } exe
        ? [exe]
        : ["dotnet", DllPath];

    /// <summary>Runs to completion. Throws <see cref="TimeoutException"/> (after killing the process tree) on timeout.</summary>
    public static async Task<CliResult> RunAsync(
        IEnumerable<string> args,
        IDictionary<string, string>? env = null,
        string? stdin = null,
        TimeSpan? timeout = null,
        string? workingDirectory = null)
    {
        await using var run = await StartAsync(args, env, stdin, workingDirectory);
        return await run.WaitAsync(timeout);
    }

    /// <summary>Starts without waiting, so a test can interrupt or kill it mid-run.</summary>
    public static async Task<CliProcess> StartAsync(
        IEnumerable<string> args,
        IDictionary<string, string>? env = null,
        string? stdin = null,
        string? workingDirectory = null)
    {
        // Through `env --default-signal=INT` (which execs dotnet, same pid): a test run started in the background
        // (`.ci/run &`) inherits SIGINT ignored, and a CLI started so never sees the Ctrl-C the specs send it.
        var psi = new ProcessStartInfo("env")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        psi.ArgumentList.Add("--default-signal=INT");
        foreach (var part in Command)
            psi.ArgumentList.Add(part);
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);

        // psi.Environment starts as a copy of ours; drop the developer's PG* settings so only what the test passes counts.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["TERM"] = "dumb";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            psi.Environment[key] = value;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start lifeboat");
        var run = new CliProcess(process);
        // Always close stdin so a prompt reads EOF instead of hanging the test.
        try
        {
            if (stdin is not null)
                await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The CLI exited without reading its input; its exit code and output tell the story.
        }
        return run;
    }
}

/// <summary>A running CLI process with its output captured as it arrives.</summary>
public sealed class CliProcess : IAsyncDisposable
{
    readonly StringBuilder _stdout = new();
    readonly StringBuilder _stderr = new();
    readonly Task _pumps;

    internal CliProcess(Process process)
    {
        Process = process;
        _pumps = Task.WhenAll(Pump(process.StandardOutput, _stdout), Pump(process.StandardError, _stderr));
    }

    public Process Process { get; }

    public string StdOutSoFar { get { lock (_stdout) return _stdout.ToString(); } }
    public string StdErrSoFar { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Waits until stdout or stderr contains <paramref name="text"/>; false if the process exits or time runs out first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? LifeboatCli.DefaultTimeout);
        while (DateTime.UtcNow < deadline)
        {
            if (StdOutSoFar.Contains(text, StringComparison.Ordinal) || StdErrSoFar.Contains(text, StringComparison.Ordinal))
                return true;
            if (Process.HasExited)
            {
                await DrainAsync();
                return StdOutSoFar.Contains(text, StringComparison.Ordinal) || StdErrSoFar.Contains(text, StringComparison.Ordinal);
            }
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Sends SIGINT, like Ctrl+C in a terminal.</summary>
    public void Interrupt()
    {
        if (!Process.HasExited && kill(Process.Id, 2) != 0)
            throw new InvalidOperationException($"kill(SIGINT) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Kills the CLI and everything it started (pg_dump, ...), like a power cut for the client.</summary>
    public void Kill()
    {
        if (!Process.HasExited)
            Process.Kill(entireProcessTree: true);
    }

    public async Task<CliResult> WaitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? LifeboatCli.DefaultTimeout);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await DrainAsync();
            throw new TimeoutException(
                $"lifeboat did not finish within {timeout ?? LifeboatCli.DefaultTimeout}\n--- stdout ---\n{StdOutSoFar}\n--- stderr ---\n{StdErrSoFar}");
        }
        await DrainAsync();
        return new CliResult(Process.ExitCode, StdOutSoFar, StdErrSoFar);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await DrainAsync();
        Process.Dispose();
    }

    // An orphaned grandchild could keep the pipes open forever; don't wait on it for long.
    Task DrainAsync() => Task.WhenAny(_pumps, Task.Delay(TimeSpan.FromSeconds(10)));

    static async Task Pump(StreamReader reader, StringBuilder sink)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
            lock (sink) sink.Append(buffer, 0, read);
    }

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
