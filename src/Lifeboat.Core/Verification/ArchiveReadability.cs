using CliWrap;
using Lifeboat.Core.Pipeline;
using Lifeboat.Core.Storage;
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

    public static async Task<string?> FindProblemAsync(IBackupStore store, BackupManifest manifest, ToolLocator tools, CancellationToken ct)
    {
        var name = manifest.Archive.Name;
        var pipeline = ArchivePipeline.For(manifest);
        try
        {
            if (manifest.Format == BackupFormat.Custom)
                return await ListCustomAsync(store, name, pipeline, manifest, tools, ct);
            await using var stream = await pipeline.OpenAsync(store, name, ct);
            return await ReadPlainToEndAsync(stream, name, ct);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ZstdSharp.ZstdException)
        {
            return $"{name} cannot be read to its end: {e.Message}";
        }
    }

    private static async Task<string?> ListCustomAsync(IBackupStore store, string name, ArchivePipeline pipeline, BackupManifest manifest,
        ToolLocator tools, CancellationToken ct)
    {
        var pgRestore = await tools.FindAsync("pg_restore", manifest.PgDumpMajor, ct);
        var args = new List<string> { "--file=-" };
        Stream? source = null;
        if (pipeline.DirectPath(store, name) is { } path)
            args.Add(path);
        else
            source = await pipeline.OpenAsync(store, name, ct);
        await using (source)
        {
            var result = await ToolRunner.RunAsync(pgRestore, args, null, null, ct, PipeTarget.ToStream(Stream.Null),
                source is null ? null : PipeSource.FromStream(source));
            return result.Succeeded ? null : $"{name} is not a readable archive: {result.StderrTail()}";
        }
    }

    private static async Task<string?> ReadPlainToEndAsync(Stream stream, string name, CancellationToken ct)
    {
        var tail = new TailBuffer(4096);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            tail.Append(buffer.AsSpan(0, read));
        return tail.Text().Contains(PlainDumpEnd, StringComparison.Ordinal)
            ? null
            : $"{name} does not end with pg_dump's closing line: the dump is cut short";
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
