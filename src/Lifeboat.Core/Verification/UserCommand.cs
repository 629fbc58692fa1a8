using System.Diagnostics;

namespace Lifeboat.Core.Verification;

/// <summary>
/// The user's own test command (verify --run, e.g. the seed's `pytest tests/test_models/ -v`), run by the shell with the
/// terminal it was started from: its output passes straight through, not via this process.
/// </summary>
public static class UserCommand
{
    /// <param name="outputToStderr">Its standard output goes to our stderr: our stdout carries a JSON result.</param>
    public static async Task<int> RunAsync(string command, IReadOnlyDictionary<string, string?> environment, bool outputToStderr, CancellationToken ct)
    {
        var (shell, flag) = OperatingSystem.IsWindows() ? ("cmd.exe", "/c") : ("/bin/sh", "-c");
        var start = new ProcessStartInfo(shell) { UseShellExecute = false };
        start.ArgumentList.Add(flag);
        start.ArgumentList.Add(!outputToStderr ? command : OperatingSystem.IsWindows() ? $"({command}) 1>&2" : $"exec 1>&2; {command}");
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"unable to start {shell}");
        try
        {
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return process.ExitCode;
    }
}
