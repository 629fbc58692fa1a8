using System.Diagnostics;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>Runs a real program (psql, pg_restore, zstd, mount, runuser, ...) to completion, as a user would in a shell.</summary>
public static class ExternalTool
{
    /// <summary>
    /// Runs <paramref name="file"/>; stdout goes to <paramref name="stdoutFile"/> when given (like <c>&gt; file</c>).
    /// Inherited PG* variables are dropped so only <paramref name="env"/> counts.
    /// </summary>
    public static async Task<CliResult> RunAsync(
        string file, IEnumerable<string> args, IDictionary<string, string>? env = null, string? stdoutFile = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("PG", StringComparison.Ordinal)).ToList())
            psi.Environment.Remove(key);
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            psi.Environment[key] = value;

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        process.StandardInput.Close();
        Task<string> stdout;
        if (stdoutFile is null)
        {
            stdout = process.StandardOutput.ReadToEndAsync();
        }
        else
        {
            stdout = Task.Run(async () =>
            {
                await using var sink = File.Create(stdoutFile);
                await process.StandardOutput.BaseStream.CopyToAsync(sink);
                return "";
            });
        }
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Like <see cref="RunAsync"/> but throws with the output when the program fails.</summary>
    public static async Task<CliResult> RunCheckedAsync(
        string file, IEnumerable<string> args, IDictionary<string, string>? env = null, string? stdoutFile = null)
    {
        var list = args.ToList();
        var result = await RunAsync(file, list, env, stdoutFile);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', list)} failed:\n{result}");
        return result;
    }

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>
    /// Runs lifeboat as another OS user (through runuser), to meet the permission checks that root bypasses: a copy of
    /// it that user can read, wherever the tests run from. <paramref name="home"/> must be writable by that user: the
    /// dotnet host wants a home.
    /// </summary>
    public static Task<CliResult> RunLifeboatAsUserAsync(string user, IEnumerable<string> args, IDictionary<string, string> env, string home)
    {
        var command = new List<string> { "-u", user, "--", "env", $"HOME={home}", $"DOTNET_CLI_HOME={home}", "DOTNET_NOLOGO=1", "NO_COLOR=1", "TERM=dumb" };
        command.AddRange(env.Select(kv => $"{kv.Key}={kv.Value}"));
        command.AddRange(CliForOtherUsers.Command);
        command.AddRange(args);
        return RunAsync(File.Exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser", command);
    }
}
