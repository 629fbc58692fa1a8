using System.Text;
using CliWrap;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Postgres;

/// <summary>Runs a PostgreSQL client tool with the connection in its environment (never in argv).</summary>
public static class ToolRunner
{
    /// <summary>
    /// Runs the tool; returns its exit code and full stderr. Standard output goes to <paramref name="stdout"/> when given;
    /// <paramref name="stderrLine"/>, when given, gets each line of stderr (password redacted) as the tool writes it.
    /// </summary>
    public static async Task<ToolResult> RunAsync(
        PgTool tool, IEnumerable<string> arguments, ConnectionSettings? settings, string? database,
        CancellationToken ct, PipeTarget? stdout = null, PipeSource? stdin = null, IReadOnlyDictionary<string, string?>? extraEnvironment = null,
        Action<string>? stderrLine = null)
    {
        var stderr = new StringBuilder();
        var environment = new Dictionary<string, string?>(settings?.ChildEnvironment(database) ?? new Dictionary<string, string?>());
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string?>())
            environment[key] = value;

        var stderrPipe = PipeTarget.ToStringBuilder(stderr);
        if (stderrLine is not null)
            stderrPipe = PipeTarget.Merge(stderrPipe, PipeTarget.ToDelegate(line => stderrLine(Redact(line, settings?.Password))));
        var command = Cli.Wrap(tool.Path)
            .WithArguments(arguments)
            .WithEnvironmentVariables(environment)
            .WithStandardErrorPipe(stderrPipe)
            .WithValidation(CommandResultValidation.None);
        // Drain stdout even when unused: a closed pipe makes psql fail with "could not print result table: Broken pipe".
        command = command.WithStandardOutputPipe(stdout ?? PipeTarget.ToStream(Stream.Null));
        if (stdin is not null)
            command = command.WithStandardInputPipe(stdin);

        var result = await command.ExecuteAsync(ct);
        // A tool that died of the same signal that cancelled us (a closed terminal hangs up its whole process group)
        // failed because of the cancellation: report that, so the run cleans up and says "cancelled".
        if (result.ExitCode != 0)
            ct.ThrowIfCancellationRequested();
        return new ToolResult(tool, result.ExitCode, Redact(stderr.ToString(), settings?.Password));
    }

    public static string Redact(string text, string? secret) =>
        string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "********", StringComparison.Ordinal);
}

/// <summary>How a tool run ended.</summary>
public sealed record ToolResult(PgTool Tool, int ExitCode, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The last few error lines of stderr (skipping --verbose chatter), joined to fit one line.</summary>
    public string StderrTail(int lines = 3)
    {
        var all = StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = all.Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains("FATAL", StringComparison.Ordinal)
            || l.Contains("detail:", StringComparison.OrdinalIgnoreCase) || l.Contains("hint:", StringComparison.OrdinalIgnoreCase)).ToArray();
        return string.Join(" | ", (errors.Length > 0 ? errors : all).TakeLast(lines));
    }

    public ToolFailedException ToException(string? hint = null) => new(Tool.Name, ExitCode, StderrTail(), hint);
}
