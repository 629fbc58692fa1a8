using Lifeboat.Core.Verification;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>`lifeboat verify`: OK lines on stdout, a FAILED line per problem on stderr, and the count.</summary>
public static class VerifyReportWriter
{
    public static void Write(Terminal terminal, VerifyReport report)
    {
        foreach (var result in report.Results)
        {
            if (result.Passed)
                terminal.Out.MarkupLine($"[green]OK[/] {Markup.Escape(result.Stem)}: {Markup.Escape(result.Summary)}");
            foreach (var problem in result.Problems)
                terminal.Error($"FAILED {problem}");
        }
        terminal.Out.WriteLine($"{report.Results.Count - report.Failed} of {report.Results.Count} backups verified{(report.Failed > 0 ? $", {report.Failed} failed" : "")}");
    }
}
