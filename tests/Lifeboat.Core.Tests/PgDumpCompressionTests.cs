using Lifeboat.Core.Catalog;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Pipeline;
using Xunit;

namespace Lifeboat.Core.Tests;

/// <summary>Issue 17: from pg_dump 16 a custom zstd backup is compressed by pg_dump itself and stored as it wrote it.</summary>
public sealed class PgDumpCompressionTests
{
    [Theory]
    [InlineData(BackupFormat.Custom, Compression.Zstd, 16, true)]
    [InlineData(BackupFormat.Custom, Compression.Zstd, 18, true)]
    [InlineData(BackupFormat.Custom, Compression.Zstd, 15, false)] // pg_dump 15 has only gzip built in
    [InlineData(BackupFormat.Custom, Compression.Gzip, 17, false)] // pg_dump's gzip, as before
    [InlineData(BackupFormat.Custom, Compression.None, 17, false)]
    [InlineData(BackupFormat.Plain, Compression.Zstd, 17, false)] // a plain dump is compressed by Lifeboat on every major
    public void Pg_dump_compresses_a_custom_zstd_archive_itself_from_16(BackupFormat format, Compression compression, int pgDumpMajor, bool expected) =>
        Assert.Equal(expected, ArchivePipeline.PgDumpCompressesZstd(format, compression, pgDumpMajor));

    [Fact]
    public void Such_an_archive_is_a_dump_that_nothing_decompresses()
    {
        Assert.Equal(".dump", BackupNaming.ArchiveExtension(BackupFormat.Custom, Compression.Zstd, pgDumpCompressed: true));
        Assert.Equal(".dump.zst", BackupNaming.ArchiveExtension(BackupFormat.Custom, Compression.Zstd));
        Assert.True(ArchivePipeline.For(BackupFormat.Custom, Compression.Zstd, pgDumpCompresses: true).IsPassThrough);
        Assert.False(ArchivePipeline.For(BackupFormat.Custom, Compression.Zstd).IsPassThrough);
        Assert.True(ArchivePipeline.For(BackupFormat.Custom, Compression.Gzip).IsPassThrough);
    }
}
