using System.CommandLine;
using System.Runtime.InteropServices;
using Lifeboat.Cli.Output;
using Lifeboat.Core.Errors;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The one place that turns failures into exit codes: a LifeboatException becomes its one line, Ctrl-C becomes
/// 130 (SIGTERM 143, SIGHUP 129) with a line saying what was cleaned up, anything else one line without a stack trace.
/// (PostgreSQL's failures are already LifeboatExceptions: the services translate them.)
/// </summary>
public static class CommandRunner
{
    private static int _signalExitCode = ExitCodes.Cancelled;

    public static async Task<int> InvokeAsync(RootCommand root, Terminal terminal, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var line = UsageErrors.Describe(root, parse);
            // A monitoring check that cannot run is UNKNOWN (Nagios: exit 3, the verdict on stdout), not a usage error.
            if (parse.CommandResult.Command.Name == CheckCommand.Name)
            {
                terminal.Line($"UNKNOWN - {line["error: ".Length..]}");
                return Core.Monitoring.HealthCheck.Unknown;
            }
            terminal.Error(line);
            return ExitCodes.Usage;
        }
        // SIGINT and SIGTERM cancel the action's token (System.CommandLine's ProcessTerminationTimeout); SIGHUP (the
        // terminal was closed) would kill the process on the spot and leave a decompressed copy or a scratch database
        // behind, so it cancels the same token, and the run cleans up as after Ctrl-C.
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => _signalExitCode = ExitCodes.Terminated);
        using var hangup = new CancellationTokenSource();
        using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _signalExitCode = ExitCodes.HungUp;
            hangup.Cancel();
        });
        // Only help and --version write to the configuration's Output: collected, so help can be put in the parser's words.
        using var help = new StringWriter();
        var exitCode = await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30), Output = help }, hangup.Token);
        if (help.GetStringBuilder().Length > 0)
            terminal.Line(HelpLayout.Render(root, help.ToString()).TrimEnd('\n'));
        return exitCode;
    }

    /// <summary>Runs a command's body with the error handling every command shares.</summary>
    public static async Task<int> Guard(Terminal terminal, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (PromptCancelledException e)
        {
            terminal.Error($"cancelled at the {e.Where}: nothing was changed, and nothing was left behind");
            return _signalExitCode;
        }
        catch (OperationCanceledException)
        {
            terminal.Error("cancelled: stopped before finishing; partial files and scratch databases were removed, nothing existing was changed");
            return _signalExitCode;
        }
        catch (LifeboatException e)
        {
            terminal.Error($"error: {e.OneLine}");
            return e.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            // .NET says "An error occurred trying to start process 'x' with working directory '…'. No such file or directory".
            var program = System.Text.RegularExpressions.Regex.Match(e.Message, "process '(?<p>[^']+)'") is { Success: true } m ? m.Groups["p"].Value : "a program";
            terminal.Error($"error: unable to start {program}: {(e.NativeErrorCode == 13 ? "permission denied" : "not found or not executable")} — check --pg-bin and that the PostgreSQL client tools and zstd are installed");
            return ExitCodes.Tool;
        }
        catch (Exception e) when (DiskFull.Is(e))
        {
            terminal.Error($"error: {DiskFull.Error("write", "the backup folder", e).OneLine}");
            return ExitCodes.DiskFull;
        }
        catch (Exception e) when ((e is UnauthorizedAccessException or IOException) && Core.Storage.PathProblem.FromException(e) is { } problem)
        {
            terminal.Error($"error: {problem} — check the path and its permissions, or choose another");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            var log = e.Data[LifeboatException.LogLocationKey] as string ?? "the operation's .log";
            terminal.Error($"error: unexpected failure ({e.GetType().Name}): {e.Message.Split('\n')[0]} — please report this with {log}");
            return ExitCodes.Failure;
        }
    }
}
