using System.CommandLine;
using System.CommandLine.Help;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// What a mistyped command line gets: one line naming the first problem, "did you mean …?" for a misspelt command or
/// option, and where the options are listed.
/// </summary>
public static class UsageErrors
{
    public static string Describe(RootCommand root, ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        var name = command == root ? "lifeboat" : $"lifeboat {command.Name}";
        var unknown = parse.UnmatchedTokens.FirstOrDefault();
        if (unknown is not null)
        {
            var what = unknown.StartsWith('-') ? "option" : command == root ? "command" : "argument";
            var candidates = unknown.StartsWith('-')
                ? command.Options.Where(o => o is not HelpOption && !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
                : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            var suggestion = Closest(unknown, candidates);
            var hint = suggestion is not null ? $"did you mean {suggestion}? (run '{name} --help' for the {what}s)" : $"run '{name} --help' for the {what}s";
            return $"error: unknown {what} '{unknown}' for {name} — {hint}";
        }
        var message = string.Join(" ", parse.Errors[0].Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (message.StartsWith("Required command was not provided", StringComparison.Ordinal))
            return $"error: say which command to run: {string.Join(", ", root.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} — run 'lifeboat --help' for what each does";
        return $"error: {message} — run '{name} --help' for the options";
    }

    /// <summary>The candidate nearest to <paramref name="typed"/> by edit distance, when it is near enough to be a typo.</summary>
    public static string? Closest(string typed, IEnumerable<string> candidates)
    {
        var best = candidates.Distinct()
            .Select(c => (Name: c, Distance: Distance(typed.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name.Length)
            .FirstOrDefault();
        var bar = Math.Max(1, typed.TrimStart('-').Length / 3);
        return best.Name is not null && best.Distance <= bar ? best.Name : null;
    }

    /// <summary>Damerau–Levenshtein distance (optimal string alignment): a swap of two letters counts once.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
