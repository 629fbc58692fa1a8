using System.Globalization;
using System.Text.RegularExpressions;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// The mistakes a new user makes on the command line, each run with the real CLI as the user typed it: a wrong value
/// for any option, a misspelt command, a bad PGPORT, a file that is not there or not a Lifeboat backup, a reserved
/// label, a folder that is a file; and what help and `check` say.
/// </summary>
[Collection("postgres")]
public sealed partial class FirstUseSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    /// <summary>A server address nothing listens on: a command that gets as far as connecting fails at once.</summary>
    static Dictionary<string, string> NoServer() => new()
    {
        ["PGHOST"] = "127.0.0.1",
        ["PGPORT"] = "1",
        ["PGUSER"] = "nobody",
    };

    /// <summary>The commands `lifeboat --help` lists.</summary>
    static async Task<IReadOnlyList<string>> CommandsAsync()
    {
        var help = await LifeboatCli.RunAsync(["--help"]);
        Assert.True(help.ExitCode == 0, help.ToString());
        var commands = help.StdOut[help.StdOut.IndexOf("Commands:", StringComparison.Ordinal)..]
            .Split('\n').Skip(1).Select(l => CommandLine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("backup", commands);
        return commands;
    }

    /// <summary>The options of <paramref name="command"/> that take a value, as its --help lists them (long name).</summary>
    static async Task<IReadOnlyList<string>> ValueOptionsAsync(string command)
    {
        var help = await LifeboatCli.RunAsync([command, "--help"]);
        Assert.True(help.ExitCode == 0, help.ToString());
        return help.StdOut.Split('\n').Select(l => ValueOption().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToList();
    }

    /// <summary>Options whose values have a type (a number, a duration, a time, a choice): a value of another type is refused.</summary>
    static readonly HashSet<string> TypedOptions =
    [
        "--port", "--retention-days", "--keep-last", "--jobs", "--swap-timeout", "--lock-timeout", "--format", "--compress", "--at", "--max-age", "--require-verified",
    ];

    [Fact]
    public async Task Every_option_of_every_command_given_a_value_of_the_wrong_type_is_one_line_and_exit_2_never_a_stack_trace()
    {
        var folder = Directory.CreateTempSubdirectory("lifeboat-wrongvalues-").FullName;
        try
        {
            var typedSeen = new HashSet<string>();
            foreach (var command in await CommandsAsync())
            {
                foreach (var option in await ValueOptionsAsync(command))
                {
                    foreach (var wrong in new[] { "x1y", "7x" })
                    {
                        var args = new List<string> { command, option, wrong };
                        if (option != "--backup-dir")
                            args.AddRange(["--backup-dir", folder]);
                        var result = await LifeboatCli.RunAsync(args, NoServer(), timeout: TimeSpan.FromSeconds(60));
                        var what = $"lifeboat {string.Join(' ', args)}";
                        Assert.False(result.Output.Contains("   at ", StringComparison.Ordinal) || result.Output.Contains("Unhandled", StringComparison.Ordinal),
                            $"{what} printed a stack trace\n{result}");
                        if (!TypedOptions.Contains(option))
                            continue; // a free-text value ('x1y' as a label or host) is the user's to choose
                        typedSeen.Add(option);
                        var expectedExit = command == "check" ? 3 : 2;
                        Assert.True(result.ExitCode == expectedExit, $"{what}: expected exit {expectedExit}\n{result}");
                        var line = command == "check" ? result.StdOut.Trim() : result.StdErr.Trim();
                        Assert.True(line.Split('\n').Length == 1, $"{what}: expected one line\n{result}");
                        Assert.True(line.Contains(option, StringComparison.Ordinal) && line.Contains(wrong, StringComparison.Ordinal),
                            $"{what}: the line must name the option and the value\n{result}");
                        Assert.DoesNotContain("System.", line, StringComparison.Ordinal);
                    }
                }
            }
            // The walk reached every typed option (a renamed option would otherwise drop out of the spec unnoticed).
            Assert.Equal(TypedOptions.OrderBy(o => o), typedSeen.OrderBy(o => o));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_misspelt_command_or_option_gets_did_you_mean()
    {
        var command = await LifeboatCli.RunAsync(["bakup"], NoServer());
        CliAssert.OneLineError(command, 2, "unknown command 'bakup'", "did you mean backup?");

        var option = await LifeboatCli.RunAsync(["restore", "--latets"], NoServer());
        CliAssert.OneLineError(option, 2, "unknown option '--latets'", "did you mean --latest?");

        var nothing = await LifeboatCli.RunAsync([], NoServer());
        CliAssert.OneLineError(nothing, 2, "backup", "restore", "--help");
    }

    [Fact]
    public async Task Help_shows_each_default_once_and_choices_in_the_case_the_parser_takes()
    {
        foreach (var command in await CommandsAsync())
        {
            var help = await LifeboatCli.RunAsync([command, "--help"]);
            foreach (var line in help.StdOut.Split('\n'))
            {
                Assert.False(line.Contains("(default", StringComparison.OrdinalIgnoreCase) && line.Contains("[default:", StringComparison.Ordinal),
                    $"lifeboat {command} --help states a default twice: {line}");
                Assert.DoesNotMatch(@"\[default: [A-Z][a-z]+\]", line);
                Assert.DoesNotMatch(@"<[A-Z][a-z]+\|", line);
            }
        }
        var backup = await LifeboatCli.RunAsync(["backup", "--help"]);
        Assert.Contains("<custom|plain>", backup.StdOut, StringComparison.Ordinal);
        Assert.Contains("[default: custom]", backup.StdOut, StringComparison.Ordinal);
        // What the help calls a value is what the parser takes.
        CliAssert.OneLineError(await LifeboatCli.RunAsync(["backup", "-F", "Plain", "--bogus"], NoServer()), 2, "--bogus");
    }

    [Fact]
    public async Task Restore_help_offers_no_analyze_and_says_what_it_trades()
    {
        var help = await LifeboatCli.RunAsync(["restore", "--help"]);

        Assert.True(help.ExitCode == 0, help.ToString());
        var text = Whitespace().Replace(help.StdOut, " "); // the help wraps long descriptions
        Assert.Contains("--no-analyze", text, StringComparison.Ordinal);
        Assert.Contains("the swap comes sooner, but the database plans badly until autovacuum analyzes it", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pgport_that_is_not_a_number_is_an_error_naming_the_variable_not_a_silent_5432()
    {
        var env = NoServer();
        env["PGPORT"] = "abc";

        var result = await LifeboatCli.RunAsync(["backup", "-d", "shop", "--backup-dir", Path.GetTempPath()], env);

        CliAssert.OneLineError(result, 2, "PGPORT", "'abc'");
    }

    [Fact]
    public async Task The_reserved_label_of_safety_backups_is_refused_before_anything_happens()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "fu_label");

        var result = await LifeboatCli.RunAsync(["backup", "-d", ws.Database, "--backup-dir", ws.BackupDir, "--label", "pre-restore"], ws.Env);

        CliAssert.OneLineError(result, 2, "pre-restore", "reserved", "--latest");
        Assert.Empty(Directory.GetFiles(ws.BackupDir));
    }

    [Fact]
    public async Task A_backup_folder_under_a_file_is_said_in_plain_words()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "fu_filedir");
        var file = Path.Combine(ws.BackupDir, "notafolder");
        await File.WriteAllTextAsync(file, "x");

        var backup = await LifeboatCli.RunAsync(["backup", "-d", ws.Database, "--backup-dir", Path.Combine(file, "x")], ws.Env);
        var list = await LifeboatCli.RunAsync(["list", "--backup-dir", file], ws.Env);

        CliAssert.OneLineError(backup, 1, $"{file} is a file, not a folder");
        Assert.DoesNotContain("Could not find", backup.StdErr, StringComparison.Ordinal);
        CliAssert.OneLineError(list, 1, "is a file, not a folder");
    }

    [Fact]
    public async Task A_missing_absolute_file_is_called_missing_and_a_bare_sql_dump_is_told_what_it_lacks()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "fu_files");
        var backup = await ws.BackupAsync();
        var missing = Path.Combine(Path.GetTempPath(), "nowhere-" + Guid.NewGuid().ToString("N"), backup.ArchiveName + ".gone");
        var bare = Path.Combine(ws.BackupDir, "exported", "mydump.sql");
        Directory.CreateDirectory(Path.GetDirectoryName(bare)!);
        await File.WriteAllTextAsync(bare, "-- a plain dump made with pg_dump by hand\nSELECT 1;\n");
        var before = await ws.FingerprintAsync();

        var restoreMissing = await ws.RestoreAsync("--file", missing, "--force");
        var verifyMissing = await ws.VerifyAsync("--file", missing);
        var restoreBare = await ws.RestoreAsync("--file", bare, "--force");
        var verifyBare = await ws.VerifyAsync("--file", bare);

        CliAssert.OneLineError(restoreMissing, 1, missing, "does not exist");
        CliAssert.OneLineError(verifyMissing, 1, missing, "does not exist");
        CliAssert.OneLineError(restoreBare, 5, bare, "no manifest", "psql -f");
        CliAssert.OneLineError(verifyBare, 5, bare, "no manifest", "psql -f");
        Assert.DoesNotContain("no such backup", restoreBare.StdErr, StringComparison.Ordinal);
        Assert.Equal(before, await ws.FingerprintAsync());
    }

    [Fact]
    public async Task Verify_latest_without_a_database_verifies_the_newest_backup_of_each_database_never_a_safety_backup()
    {
        // Arrange: one folder with backups of two databases; the newest file in it is a safety backup of the second,
        // taken when a restore replaced it.
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "fu_vlatest");
        var first = await ws.BackupAsync();
        var other = ws.OtherDatabaseName("b");
        await Server.ExecuteAsync("postgres", $"CREATE DATABASE \"{other}\" TEMPLATE {PostgresServer.TemplateDatabase}");
        var otherEnv = Server.ClientEnvironment(other);
        var otherBackup = await LifeboatCli.RunAsync(["backup", "-d", other, "--backup-dir", ws.BackupDir, "--no-prune"], otherEnv);
        CliAssert.Succeeded(otherBackup);
        var replace = await LifeboatCli.RunAsync(["restore", "-d", other, "--backup-dir", ws.BackupDir, "--latest", "--force"], otherEnv);
        CliAssert.Succeeded(replace);
        var stems = Directory.GetFiles(ws.BackupDir, "*.json").Select(f => Path.GetFileNameWithoutExtension(f)).ToList();
        Assert.Equal(3, stems.Count); // the two backups and the safety backup

        // Act: no -d, no PGDATABASE.
        var env = ws.Env;
        env.Remove("PGDATABASE");
        var result = await LifeboatCli.RunAsync(["verify", "--backup-dir", ws.BackupDir, "--latest"], env);

        // Assert: one result per database, each its newest regular backup.
        CliAssert.Succeeded(result);
        var verified = OkLines().Matches(result.StdOut).Select(m => m.Groups[1].Value).OrderBy(s => s, StringComparer.Ordinal).ToList();
        var expected = new[] { first.Stem, stems.Single(s => s.StartsWith(other + "_", StringComparison.Ordinal) && !IsSafety(ws.BackupDir, s)) };
        Assert.Equal(expected.OrderBy(s => s, StringComparer.Ordinal), verified);

        // With -d (or PGDATABASE) only that database's.
        var one = await LifeboatCli.RunAsync(["verify", "--backup-dir", ws.BackupDir, "--latest"], otherEnv);
        CliAssert.Succeeded(one);
        Assert.Equal([expected[1]], OkLines().Matches(one.StdOut).Select(m => m.Groups[1].Value).ToList());
    }

    static bool IsSafety(string folder, string stem) =>
        File.ReadAllText(Path.Combine(folder, stem + ".json")).Contains("\"pre-restore\"", StringComparison.Ordinal);

    [Fact]
    public async Task Check_that_cannot_run_is_unknown_exit_3_a_missing_folder_says_so_and_a_limit_prints_readably()
    {
        await using var ws = await RestoreWorkspace.CreateAsync(Server, "fu_check");
        var backup = await ws.BackupAsync();
        backup.EditManifest(json =>
        {
            json["startedAt"] = backup.Manifest.StartedAt.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture);
            json["finishedAt"] = backup.Manifest.FinishedAt.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture);
        });

        var tooOld = await ws.CheckAsync("--max-age", "1m");
        var badOption = await ws.CheckAsync("--bogus");
        var badAge = await ws.CheckAsync("--max-age", "soon");
        var missing = await LifeboatCli.RunAsync(["check", "--backup-dir", Path.Combine(ws.BackupDir, "not-mounted")], ws.Env);

        Assert.True(tooOld.ExitCode == 2, tooOld.ToString());
        Assert.Contains("(max 1 min)", tooOld.StdOut, StringComparison.Ordinal);
        Assert.Contains("5 min old", tooOld.StdOut, StringComparison.Ordinal);
        foreach (var unknown in new[] { badOption, badAge })
        {
            Assert.True(unknown.ExitCode == 3, unknown.ToString());
            Assert.StartsWith("UNKNOWN - ", unknown.StdOut, StringComparison.Ordinal);
            Assert.Single(unknown.StdOut.Trim().Split('\n'));
        }
        Assert.Contains("--bogus", badOption.StdOut, StringComparison.Ordinal);
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("does not exist", missing.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("no complete backup", missing.StdOut, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^  ([a-z]+)\s{2,}\S")]
    private static partial Regex CommandLine();

    [GeneratedRegex(@"^\s+(?:-\S+, )*(--[a-z-]+) <[^>]+>")]
    private static partial Regex ValueOption();

    [GeneratedRegex(@"^OK (\S+?):", RegexOptions.Multiline)]
    private static partial Regex OkLines();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
