using CliWrap;
using Lifeboat.Core.Backup;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Verification;

/// <summary>
/// The archive can be read to its end: custom format is turned into a script by pg_restore (thrown away), which
/// reads every data block — --list would read only the table of contents; plain SQL is decompressed to its end
/// and must carry pg_dump's closing line (a dump cut short lacks it).
/// </summary>
public static class ArchiveReadability
{
    private const string PlainDumpEnd = "-- PostgreSQL database dump complete";

    public static async Task<string?> FindProblemAsync(string archivePath, BackupManifest manifest, ToolLocator tools, CancellationToken ct)
    {
        var compression = Enum.Parse<Compression>(manifest.Compression, ignoreCase: true);
        try
        {
            if (manifest.Format == "custom")
                return await ListCustomAsync(archivePath, compression, manifest, tools, ct);
            return await ReadPlainToEndAsync(archivePath, compression, ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ZstdSharp.ZstdException)
        {
            return $"{Path.GetFileName(archivePath)} cannot be read to its end: {e.Message}";
        }
    }

    private static async Task<string?> ListCustomAsync(string path, Compression compression, BackupManifest manifest, ToolLocator tools, CancellationToken ct)
    {
        var major = PgVersion.ParseToolOutput($"(PostgreSQL) {manifest.PgDumpVersion}")?.Major ?? 0;
        var pgRestore = await tools.FindAsync("pg_restore", major, ct);
        var args = new List<string> { "--file=-" };
        PipeSource? stdin = null;
        Stream? source = null;
        if (compression == Compression.Zstd)
            stdin = PipeSource.FromStream(source = CompressionStreams.Decompress(File.OpenRead(path), compression));
        else
            args.Add(path);
        try
        {
            var result = await ToolRunner.RunAsync(pgRestore, args, null, null, ct, PipeTarget.ToStream(Stream.Null), stdin);
            return result.Succeeded ? null : $"{Path.GetFileName(path)} is not a readable archive: {result.StderrTail()}";
        }
        finally
        {
            if (source is not null)
                await source.DisposeAsync();
        }
    }

    private static async Task<string?> ReadPlainToEndAsync(string path, Compression compression, CancellationToken ct)
    {
        await using var stream = CompressionStreams.Decompress(
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan), compression);
        var tail = new TailBuffer(4096);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            tail.Append(buffer.AsSpan(0, read));
        return tail.Text().Contains(PlainDumpEnd, StringComparison.Ordinal)
            ? null
            : $"{Path.GetFileName(path)} does not end with pg_dump's closing line: the dump is cut short";
    }

    /// <summary>Keeps the last N bytes seen.</summary>
    private sealed class TailBuffer(int size)
    {
        private byte[] _data = [];

        public void Append(ReadOnlySpan<byte> chunk)
        {
            var combined = new byte[Math.Min(size, _data.Length + chunk.Length)];
            var fromChunk = Math.Min(chunk.Length, combined.Length);
            var fromOld = combined.Length - fromChunk;
            _data.AsSpan(_data.Length - fromOld).CopyTo(combined);
            chunk[^fromChunk..].CopyTo(combined.AsSpan(fromOld));
            _data = combined;
        }

        public string Text() => System.Text.Encoding.UTF8.GetString(_data);
    }
}
