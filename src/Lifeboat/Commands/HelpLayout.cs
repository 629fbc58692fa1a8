using System.CommandLine;
using System.CommandLine.Help;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Help as the parser reads it: -h is --host (as in psql and pg_dump), help stays on -? and --help, and an enum
/// option's default is printed in the lower case the option takes (`[default: custom]`, not `Custom`).
/// </summary>
public static class HelpLayout
{
    public static void Apply(RootCommand root)
    {
        foreach (var help in root.Options.OfType<HelpOption>())
            help.Aliases.Remove("-h");
    }

    /// <summary>System.CommandLine's help text with every enum default in the case the parser accepts and prints.</summary>
    public static string Render(RootCommand root, string help)
    {
        foreach (var option in AllOptions(root).Where(o => o.ValueType.IsEnum && o.HasDefaultValue))
        {
            var value = option.GetDefaultValue()?.ToString();
            if (value is not null)
                help = help.Replace($"[default: {value}]", $"[default: {value.ToLowerInvariant()}]", StringComparison.Ordinal);
        }
        return help;
    }

    private static IEnumerable<Option> AllOptions(Command command) =>
        command.Options.Concat(command.Subcommands.SelectMany(AllOptions));
}
