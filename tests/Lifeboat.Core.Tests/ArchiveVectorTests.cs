using Lifeboat.Core.Pipeline;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Tests.Support;
using Xunit;

namespace Lifeboat.Core.Tests;

/// <summary>
/// The archive reader, the row counter and the offset writer on real archives of pg_dump 13, 15, 16, 17 and 18, written
/// to a pipe as every zstd backup's is (Fixtures/archives): what a user's backup of each server version goes through.
/// </summary>
public sealed class ArchiveVectorTests
{
    /// <summary>Every vector, read whole (one read fills the counter's buffer), as a pipe hands it out, and a few bytes at a time.</summary>
    public static TheoryData<string, int> VectorsAndReadSizes
    {
        get
        {
            var rows = new TheoryData<string, int>();
            foreach (var name in ArchiveVectors.VersionOf.Keys)
                foreach (var readSize in new[] { 1 << 20, 65536, 7 })
                    rows.Add(name, readSize);
            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(ArchiveVectors.Names), MemberType = typeof(ArchiveVectors))]
    public void The_table_of_contents_reads_with_the_version_its_pg_dump_writes_and_names_every_table_with_data(string vector)
    {
        var toc = ArchiveVectors.ReadToc(ArchiveVectors.Bytes(vector));

        Assert.NotNull(toc);
        Assert.Equal(ArchiveVectors.VersionOf[vector], toc.Version);
        Assert.StartsWith($"{vector[2..]}.", toc.DumpedBy, StringComparison.Ordinal); // pg13 was written by pg_dump 13.x
        Assert.False(toc.Compressed);
        Assert.Equal("UTF8", toc.Encoding);
        var data = toc.Entries.Where(e => e.Description == "TABLE DATA").ToList();
        Assert.Equal(ArchiveVectors.ExpectedRows(vector).Keys.Order(), data.Select(e => (e.Schema!, e.Tag!)).Order());
        Assert.All(data, e => Assert.Equal(DumpArchiveToc.OffsetNotSet, e.OffsetFlag)); // piped: pg_dump could not seek back
        Assert.All(data, e => Assert.Equal("postgres", e.Owner));
        // Large objects: up to 16 one BLOBS entry for all; from 17 one per owner (and per 1000), with BLOB METADATA entries.
        var blobs = toc.Entries.Count(e => e.Description == "BLOBS");
        Assert.Equal(toc.Version == "1.16" ? 2 : 1, blobs);
        Assert.Equal(toc.Version == "1.16" ? 2 : 0, toc.Entries.Count(e => e.Description == "BLOB METADATA"));
        Assert.Contains("lo_keeper", toc.Entries.Select(e => e.Owner)); // the owner of the second large object
    }

    [Theory]
    [MemberData(nameof(VectorsAndReadSizes))]
    public void The_counter_passes_the_archive_on_unchanged_and_counts_the_rows_the_source_counted(string vector, int readSize)
    {
        var archive = ArchiveVectors.Bytes(vector);
        using var output = new MemoryStream();

        var rows = ArchiveRowCounter.Copy(new PieceByPieceStream(archive, readSize), output);

        Assert.Equal(archive, output.ToArray());
        Assert.Null(rows.Unreadable);
        Assert.Equal(ArchiveVectors.ExpectedRows(vector).OrderBy(t => t.Key), rows.Tables!.OrderBy(t => t.Key));
    }

    [Theory]
    [MemberData(nameof(ArchiveVectors.Names), MemberType = typeof(ArchiveVectors))]
    public void Data_blocks_without_COPY_s_end_marker_count_the_same_rows(string vector)
    {
        // Arrange: the vector with the "\.\n\n\n" chunk that ends each table's data taken out, should a pg_dump leave it
        // out: then the 42 empty lines of the table without columns are all rows, with nothing after them.
        var archive = ArchiveVectorEditing.WithoutEndMarkers(ArchiveVectors.Bytes(vector), out var removed);
        using var output = new MemoryStream();

        // Act
        var rows = ArchiveRowCounter.Copy(new PieceByPieceStream(archive, 65536), output);

        // Assert
        Assert.Equal(ArchiveVectors.ExpectedRows(vector).Count, removed); // one for every table's data block
        Assert.Equal(archive, output.ToArray());
        Assert.Equal(ArchiveVectors.ExpectedRows(vector).OrderBy(t => t.Key), rows.Tables!.OrderBy(t => t.Key));
    }

    [Theory]
    [MemberData(nameof(ArchiveVectors.Names), MemberType = typeof(ArchiveVectors))]
    public void Patching_sets_the_offset_of_every_TABLE_DATA_and_BLOBS_entry_to_its_own_data_block(string vector)
    {
        // Arrange
        var path = CopyOf(vector);
        try
        {
            var before = File.ReadAllBytes(path);

            // Act
            var patched = ArchiveOffsets.Patch(path);

            // Assert
            var after = File.ReadAllBytes(path);
            var fields = new Dictionary<int, long>();
            var stream = new MemoryStream(after);
            var toc = ArchiveVectors.ReadToc(stream, dumpId => fields[dumpId] = stream.Position)!;
            var withData = toc.Entries.Where(e => e.Description is "TABLE DATA" or "BLOBS").ToList();
            Assert.Equal(withData.Count, patched);
            foreach (var entry in withData)
            {
                Assert.Equal(DumpArchiveToc.OffsetSet, entry.OffsetFlag);
                var offset = BitConverter.ToInt64(after, (int)fields[entry.DumpId] + 1); // the flag, then 8 bytes, least significant first
                Assert.Equal(entry.Description == "BLOBS" ? DumpArchiveToc.BlockLargeObjects : DumpArchiveToc.BlockData, after[offset]);
                Assert.Equal(entry.DumpId, DumpArchiveToc.ReadInt(new ByteReader(after, offset + 1).Next, toc.IntSize));
            }
            Assert.All(toc.Entries.Except(withData), e => Assert.NotEqual(DumpArchiveToc.OffsetSet, e.OffsetFlag));
            // Nothing but those offset fields changed (a flag and 8 bytes each).
            var unpatched = after.ToArray();
            foreach (var entry in withData)
                Array.Copy(before, fields[entry.DumpId], unpatched, fields[entry.DumpId], 1 + toc.OffsetSize);
            Assert.Equal(before, unpatched);
            Assert.Equal(0, ArchiveOffsets.Patch(path)); // all set now
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(ArchiveVectors.Names), MemberType = typeof(ArchiveVectors))]
    public void An_archive_of_a_future_version_reads_as_null_and_the_counter_passes_it_on_unchanged_and_says_why(string vector)
    {
        // Arrange: archive version 1.17, which no pg_dump writes yet; its entries might have another field.
        var archive = ArchiveVectors.Bytes(vector);
        archive[6] = 17; // "PGDMP", major, minor
        using var output = new MemoryStream();

        // Act
        var toc = DumpArchiveToc.Read(new ByteReader(archive, 0).Next, out var unreadable);
        var rows = ArchiveRowCounter.Copy(new PieceByPieceStream(archive, 65536), output);

        // Assert
        Assert.Null(toc);
        Assert.Equal("archive version 1.17 is not one Lifeboat reads", unreadable);
        Assert.Null(rows.Tables);
        Assert.Equal("archive version 1.17 is not one Lifeboat reads", rows.Unreadable);
        Assert.Equal(archive, output.ToArray());
    }

    [Fact]
    public void The_offset_writer_leaves_an_archive_of_a_future_version_as_it_is()
    {
        var path = CopyOf("pg18");
        try
        {
            var archive = File.ReadAllBytes(path);
            archive[6] = 17;
            File.WriteAllBytes(path, archive);

            Assert.Equal(-1, ArchiveOffsets.Patch(path));
            Assert.Equal(archive, File.ReadAllBytes(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(3000)] // inside the table of contents
    [InlineData(200_000)] // inside the data block of many_rows
    public void An_archive_cut_short_is_passed_on_as_far_as_it_goes_and_counted_with_SQL(int length)
    {
        var archive = ArchiveVectors.Bytes("pg17")[..length];
        using var output = new MemoryStream();

        var rows = ArchiveRowCounter.Copy(new PieceByPieceStream(archive, 65536), output);

        Assert.Equal(archive, output.ToArray());
        Assert.Null(rows.Tables);
        Assert.Equal("the archive ended inside a table of contents entry or a data block", rows.Unreadable);
    }

    private static string CopyOf(string vector)
    {
        var path = Path.Combine(Path.GetTempPath(), $"lifeboat-vector-{Guid.NewGuid():N}.dump");
        File.Copy(ArchiveVectors.PathOf(vector), path);
        return path;
    }
}
