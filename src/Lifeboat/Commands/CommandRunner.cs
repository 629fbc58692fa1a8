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
            var command = parse.CommandResult.Command;
            var name = command == root ? "lifeboat" : $"lifeboat {command.Name}";
            var message = string.Join(" ", parse.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            terminal.Error($"error: {message} — run '{name} --help' for the options");
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
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) }, hangup.Token);
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
            terminal.Error($"error: unable to start a program: {e.Message} — check --pg-bin and that the PostgreSQL client tools and zstd are installed");
            return ExitCodes.Tool;
        }
        catch (Exception e) when (DiskFull.Is(e))
        {
            terminal.Error($"error: {DiskFull.Error("write", "the backup folder", e).OneLine}");
            return ExitCodes.DiskFull;
        }
        catch (UnauthorizedAccessException e)
        {
            terminal.Error($"error: permission denied: {e.Message} — check the folder's permissions or choose another");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            terminal.Error($"error: unexpected failure ({e.GetType().Name}): {e.Message.Split('\n')[0]} — please report this with the operation's .log");
            return ExitCodes.Failure;
        }
    }
}
