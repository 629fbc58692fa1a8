using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Xunit;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>Small databases and comparisons the backup specs share.</summary>
public static class DatabaseHelpers
{
    /// <summary><c>prefix_xxxxxxxx</c>: a database name no other test uses.</summary>
    public static string UniqueName(string prefix) => $"{prefix}_{RandomNumberGenerator.GetHexString(8, lowercase: true)}";

    /// <summary>An empty database (from template1, no fixture), for specs that don't need 100 MB of data.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync(this PostgresServer server, string prefix)
    {
        var name = UniqueName(prefix);
        await server.ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\"");
        return name;
    }

    /// <summary>A small database with one table of 100 rows: backups of it take well under a second.</summary>
    public static async Task<string> CreateSmallDatabaseAsync(this PostgresServer server, string prefix)
    {
        var name = await server.CreateEmptyDatabaseAsync(prefix);
        await server.ExecuteAsync(name, """
            CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);
            INSERT INTO notes SELECT i, 'note ' || i FROM generate_series(1, 100) i;
            """);
        return name;
    }

    /// <summary>The arguments that point `lifeboat backup` at a database and a folder.</summary>
    public static List<string> BackupArgs(this PostgresServer server, string database, string backupDir, params string[] more) =>
    [
        "backup", "-h", server.Host, "-p", server.Port.ToString(CultureInfo.InvariantCulture), "-U", server.User,
        "-d", database, "--backup-dir", backupDir, .. more,
    ];

    public static Task<long> CountRowsAsync(this PostgresServer server, string database, string schema, string table) =>
        server.ScalarAsync<long>(database, $"SELECT count(*) FROM \"{schema}\".\"{table}\"");

    /// <summary>A TCP port on 127.0.0.1 nothing listens on (it was free a moment ago).</summary>
    public static int UnusedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>What every failure of the CLI must look like to a user.</summary>
public static class CliAssert
{
    /// <summary>
    /// The run failed with <paramref name="exitCode"/>, printed exactly one non-empty line on stderr starting with
    /// "error: ", without a stack trace, mentioning every fragment (case-insensitive).
    /// </summary>
    public static void OneLineError(CliResult result, int exitCode, params string[] fragments)
    {
        Assert.True(result.ExitCode == exitCode, $"expected exit code {exitCode}\n{result}");
        var lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got {lines.Length}\n{result}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Output, StringComparison.Ordinal);
        foreach (var fragment in fragments)
            Assert.True(lines[0].Contains(fragment, StringComparison.OrdinalIgnoreCase), $"expected the error to mention '{fragment}'\n{result}");
    }

    /// <summary>Exit 7 from a disk that filled while dumping (not the pre-check), and only the failed run's log left.</summary>
    public static void DiskFilledDuringTheDump(CliResult result, IEnumerable<string> filesOnDisk)
    {
        OneLineError(result, 7, "disk is full");
        Assert.DoesNotContain("is needed", result.StdErr, StringComparison.Ordinal);
        var left = filesOnDisk.Where(n => n.Contains("_backup_", StringComparison.Ordinal)).ToList();
        Assert.True(left.All(n => n.EndsWith(".log", StringComparison.Ordinal)), "only the log of the failed run may stay, found: " + string.Join(", ", left));
    }

    public static void Succeeded(CliResult result) => Assert.True(result.ExitCode == 0, $"expected success\n{result}");
}
