using Lifeboat.Core.Postgres;
using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>The data offsets written into a piped custom archive: what pg_dump writes to a file, pg_restore --jobs reads.</summary>
[Collection("postgres")]
[Trait("Majors", "all")] // also run against PostgreSQL 13, 17 and 18 by scripts/test-majors
public sealed class ArchiveOffsetsSpecs(ClusterFixture cluster)
{
    [Fact]
    public async Task A_piped_archive_gets_the_offsets_a_file_archive_has_and_still_restores_in_parallel_to_the_same_rows()
    {
        var server = cluster.Server;
        await using var ws = await BackupWorkspace.WithFixtureDatabaseAsync(server, "offsets");
        var (source, copy, folder) = (ws.Database, ws.OtherDatabaseName("copy"), ws.Folder.Path);
        var env = server.ClientEnvironment(source);
        var pgDump = Path.Combine(server.BinDirectory, "pg_dump");
        var piped = Path.Combine(folder, "piped.dump");
        var seekable = Path.Combine(folder, "file.dump");
        // To stdout (a pipe, like every zstd backup) and to a file (seekable: pg_dump writes the offsets itself).
        Assert.Equal(0, (await ExternalTool.RunAsync(pgDump, ["-Fc", "-Z0"], env, stdoutFile: piped)).ExitCode);
        Assert.Equal(0, (await ExternalTool.RunAsync(pgDump, ["-Fc", "-Z0", "-f", seekable], env)).ExitCode);

        var patched = ArchiveOffsets.Patch(piped);

        Assert.True(patched >= 16, $"only {patched} entries got an offset"); // at least the 16 user tables' data
        Assert.Equal(0, ArchiveOffsets.Patch(piped)); // nothing left to set
        Assert.Equal(0, ArchiveOffsets.Patch(seekable)); // pg_dump set them all itself
        Assert.Equal(new FileInfo(seekable).Length, new FileInfo(piped).Length);

        await server.ExecuteAsync("postgres", $"CREATE DATABASE \"{copy}\" TEMPLATE template0");
        var restore = await ExternalTool.RunAsync(Path.Combine(server.BinDirectory, "pg_restore"), ["--jobs", "2", "--exit-on-error", "-d", copy, piped], env);
        Assert.True(restore.ExitCode == 0, restore.ToString());
        const string rows = "SELECT (SELECT count(*) FROM earthquakes) || '/' || (SELECT count(*) FROM ephemeris_data) || '/' || (SELECT md5(string_agg(ST_AsEWKT(location), ',' ORDER BY id)) FROM volcanic_activity)";
        Assert.Equal(await server.ScalarAsync<string>(source, rows), await server.ScalarAsync<string>(copy, rows));
    }

    [Fact]
    public void A_file_that_is_not_a_custom_archive_is_left_alone()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "-- PostgreSQL database dump\nSELECT 1;\n");
            var before = File.ReadAllBytes(path);

            Assert.Equal(-1, ArchiveOffsets.Patch(path));
            Assert.Equal(before, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
