using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>
/// README's install for servers: the Native AOT build (what bench/run measures). Ahead-of-time compilation has no
/// reflection to fall back on, so this runs the commands that lean on it (JSON, Npgsql, the pipes) on the native binary.
/// </summary>
[Collection("postgres")]
public sealed class NativeBuildSpecs(ClusterFixture cluster)
{
    PostgresServer Server => cluster.Server;

    [Fact]
    public async Task The_native_build_backs_up_verifies_restores_and_prints_json()
    {
        // Arrange
        var work = Directory.CreateTempSubdirectory("lifeboat-aot-");
        await using var ws = await BackupWorkspace.WithSmallDatabaseAsync(Server, "native");
        var restored = ws.OtherDatabaseName("restored");
        var env = ws.Env;
        try
        {
            var output = Path.Combine(work.FullName, "app");
            var rid = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
            // Its own artifacts folder: the other specs run the JIT build from the repository's bin/.
            var publish = await ExternalTool.RunAsync("dotnet", ["publish", Path.Combine(Repository.Root(), "src", "Lifeboat"), "-c", "Release", "-r", rid,
                "-p:PublishAot=true", "--artifacts-path", Path.Combine(work.FullName, "build"), "-o", output, "--nologo"], timeout: TimeSpan.FromMinutes(8));
            Assert.True(publish.ExitCode == 0, publish.ToString());
            var lifeboat = Path.Combine(output, "lifeboat");
            var folder = ws.Folder.Sub("backups");

            // Act
            var backup = await ExternalTool.RunAsync(lifeboat, ["backup", "--backup-dir", folder, "--json"], env);
            var verify = await ExternalTool.RunAsync(lifeboat, ["verify", "--backup-dir", folder, "--latest", "--deep"], env);
            var restore = await ExternalTool.RunAsync(lifeboat, ["restore", "--backup-dir", folder, "--latest", "--force", "--target-db", restored], env);
            var list = await ExternalTool.RunAsync(lifeboat, ["list", "--backup-dir", folder, "--json"], env);
            var status = await ExternalTool.RunAsync(lifeboat, ["status", "--backup-dir", folder, "--json"], env);

            // Assert
            Assert.True(backup.ExitCode == 0, backup.ToString());
            Assert.Equal(100L, (long)JsonNode.Parse(backup.StdOut)!["tables"]!.AsArray().Single()!["rows"]!);
            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.True(restore.ExitCode == 0, restore.ToString());
            Assert.Equal(100L, await Server.ScalarAsync<long>(restored, "SELECT count(*) FROM notes"));
            Assert.True(list.ExitCode == 0, list.ToString());
            var entry = JsonNode.Parse(list.StdOut)!.AsArray().Single()!;
            Assert.Equal("complete", (string?)entry["state"]);
            Assert.True((bool)entry["verified"]!["deep"]!, list.StdOut);
            Assert.True(status.ExitCode == 0, status.ToString());
            Assert.Equal(1, (int)JsonNode.Parse(status.StdOut)!["backupCount"]!);
        }
        finally
        {
            work.Delete(recursive: true); // the published build
        }
    }
}
