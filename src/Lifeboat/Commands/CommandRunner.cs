using System.CommandLine;
using System.Runtime.InteropServices;
using Lifeboat.Core.Errors;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The one place that turns failures into exit codes: a LifeboatException becomes its one line, Ctrl-C becomes
/// 130 (SIGTERM 143) with a line saying what was cleaned up, anything else one line without a stack trace.
/// </summary>
public static class CommandRunner
{
    private static int _signalExitCode = ExitCodes.Cancelled;

    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var name = command == root ? "lifeboat" : $"lifeboat {command.Name}";
            var message = string.Join(" ", parse.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            System.Console.Error.WriteLine($"error: {message} — run '{name} --help' for the options");
            return ExitCodes.Usage;
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => _signalExitCode = 143);
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>Runs a command's body with the error handling every command shares.</summary>
    public static async Task<int> Guard(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (OperationCanceledException)
        {
            System.Console.Error.WriteLine("cancelled: stopped before finishing; partial files and scratch databases were removed, nothing existing was changed");
            return _signalExitCode;
        }
        catch (LifeboatException e)
        {
            System.Console.Error.WriteLine($"error: {e.OneLine}");
            return e.ExitCode;
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.LockNotAvailable)
        {
            System.Console.Error.WriteLine("error: unable to go on: another session has held a lock for more than 30 s (a migration still in its transaction?) — " +
                "finish or cancel that session (pg_stat_activity shows it) and run again; nothing was changed");
            return ExitCodes.Failure;
        }
        catch (Npgsql.PostgresException e)
        {
            var hint = e.SqlState == Npgsql.PostgresErrorCodes.InsufficientPrivilege
                ? "connect as a user with the right (CREATEDB, the database's owner, or a superuser); nothing existing was changed"
                : "the operation's log has the details; nothing existing was changed";
            System.Console.Error.WriteLine($"error: PostgreSQL refused a step: {e.MessageText} (SQLSTATE {e.SqlState}) — {hint}");
            return ExitCodes.Failure;
        }
        catch (Npgsql.NpgsqlException e)
        {
            System.Console.Error.WriteLine($"error: the connection to PostgreSQL failed during the run: {e.Message.Split('\n')[0]} — check the server and run again; unfinished work was rolled back or removed");
            return ExitCodes.Connection;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            System.Console.Error.WriteLine($"error: unable to start a program: {e.Message} — check --pg-bin and that the PostgreSQL client tools and zstd are installed");
            return ExitCodes.Tool;
        }
        catch (Exception e) when (DiskFull.Is(e))
        {
            System.Console.Error.WriteLine($"error: {DiskFull.Error("write", "the backup folder", e).OneLine}");
            return ExitCodes.DiskFull;
        }
        catch (UnauthorizedAccessException e)
        {
            System.Console.Error.WriteLine($"error: permission denied: {e.Message} — check the folder's permissions or choose another");
            return ExitCodes.Failure;
        }
        catch (Exception e)
        {
            System.Console.Error.WriteLine($"error: unexpected failure ({e.GetType().Name}): {e.Message.Split('\n')[0]} — please report this with the operation's .log");
            return ExitCodes.Failure;
        }
    }
}
