using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Pipeline;

/// <summary>
/// The archive's way to the store and back, declared once for both directions.
/// Writing: pg_dump's output → row counter → compression → (further stages) → SHA-256 → store.
/// Reading: store → (further stages, undone) → decompression → pg_restore / psql.
/// When zstd is the only stage, the store is a local folder and the zstd program is there, zstd writes the file
/// itself and the hash follows it from the page cache: the compressed bytes need not pass through this process
/// (measured: that pass cost about 0.5 s of CPU per 100 MB, on 2 cores where the dump competes for it).
/// </summary>
public sealed class ArchivePipeline
{
    private readonly IReadOnlyList<IArchiveStage> _stages;
    private readonly Compression _applied;

    private ArchivePipeline(Compression applied, IReadOnlyList<IArchiveStage> further)
    {
        _applied = applied;
        _stages = [new CompressionStage(applied), .. further];
    }

    /// <summary>
    /// The pipeline of a backup of this format and compression: custom+gzip is pg_dump's own gzip, and custom+zstd from
    /// pg_dump 16 and newer is pg_dump's own zstd (<paramref name="pgDumpCompresses"/>): nothing for us to apply. Custom+zstd
    /// from older pg_dumps is uncompressed from pg_dump and compressed here; plain is compressed here.
    /// </summary>
    public static ArchivePipeline For(BackupFormat format, Compression compression, bool pgDumpCompresses = false) =>
        new(format == BackupFormat.Custom && (compression == Compression.Gzip || pgDumpCompresses) ? Compression.None : compression, []);

    public static ArchivePipeline For(BackupManifest manifest) => For(manifest.Format, manifest.Compression, manifest.PgDumpCompressed);

    /// <summary>
    /// Whether pg_dump compresses a custom archive with zstd itself: from version 16, which has zstd built in. Measured
    /// on PostgreSQL 17 (bench/run --major 17, scale 10, 2 cores): pg_dump -Z zstd:1 to a file took 2.66 s against 3.72 s
    /// for pg_dump -Z0 piped through the zstd program, for the same size (109.4 and 111.8 MB): pg_dump compresses while
    /// the server produces the next rows, and the 334 MB of uncompressed archive no longer cross a pipe and this process.
    /// The file also restores as it is, with no decompressed copy.
    /// </summary>
    public static bool PgDumpCompressesZstd(BackupFormat format, Compression compression, int pgDumpMajor) =>
        format == BackupFormat.Custom && compression == Compression.Zstd && pgDumpMajor >= 16;

    /// <summary>Whether nothing is done to the bytes: the file in the store is what pg_dump wrote.</summary>
    public bool IsPassThrough => _applied == Compression.None && _stages.Count == 1;

    private bool OnlyZstd => _applied == Compression.Zstd && _stages.Count == 1;

    // ---- writing --------------------------------------------------------------------------------------------

    /// <summary>
    /// Reads <paramref name="source"/> to its end into <paramref name="file"/> through every stage. With
    /// <paramref name="countRows"/>, the source is a custom-format archive and its rows are counted on the way
    /// (the result's rows say why not when the archive was not one the counter reads).
    /// </summary>
    public async Task<WrittenArchive> WriteAsync(Stream source, IBackupStore store, IPendingFile file, bool countRows,
        IProgress<long>? bytesWritten, CancellationToken ct)
    {
        if (OnlyZstd && store.Local is not null && ExternalZstd.Path is { } zstd)
            return await WriteThroughZstdProgramAsync(source, file, zstd, countRows, bytesWritten, ct);

        var lastReport = 0L;
        await using var hashing = new HashingStream(file.Stream, written =>
        {
            if (written - lastReport < 4 << 20)
                return;
            lastReport = written;
            bytesWritten?.Report(written);
        });
        ArchiveRows? rows = null;
        var chain = new List<Stream>();
        try
        {
            Stream head = hashing;
            foreach (var stage in _stages.Reverse())
                chain.Add(head = stage.Encode(head));
            if (countRows)
                rows = await Task.Run(() => ArchiveRowCounter.Copy(source, head), ct);
            else
                await source.CopyToAsync(head, 1 << 20, ct);
        }
        finally
        {
            // Outermost first: each stage writes its last bytes (zstd's final frame) into the next.
            for (var i = chain.Count - 1; i >= 0; i--)
                await chain[i].DisposeAsync();
        }
        await hashing.FlushAsync(ct);
        bytesWritten?.Report(hashing.BytesWritten);
        return new WrittenArchive(hashing.BytesWritten, hashing.HashHex(), rows);
    }

    /// <summary>The zstd program writes the file; the counter feeds its stdin; the hash follows the file as it grows.</summary>
    private static async Task<WrittenArchive> WriteThroughZstdProgramAsync(Stream source, IPendingFile file, string zstd, bool countRows,
        IProgress<long>? bytesWritten, CancellationToken ct)
    {
        var path = await file.HandOverAsync();
        File.Delete(path); // zstd creates it afresh, and the hash follows that file from its first byte
        ArchiveRows? rows = null;
        var zstdEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopHashing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var hash = FileHash.Sha256WhileWrittenAsync(path, zstdEnded.Task, stopHashing.Token);
        try
        {
            using (ReportGrowth(path, bytesWritten))
            {
                try
                {
                    // CliWrap stops waiting for the copier when zstd fails; its own failure then is the broken pipe: observed, not reported.
                    await ExternalZstd.CompressToFileAsync(zstd, input => Observed(Task.Run(() =>
                    {
                        if (countRows)
                            rows = ArchiveRowCounter.Copy(source, input);
                        else
                            source.CopyTo(input, 1 << 20);
                    })), path, ct);
                }
                finally
                {
                    zstdEnded.TrySetResult();
                }
            }
            var (bytes, sha256) = await hash;
            bytesWritten?.Report(bytes);
            return new WrittenArchive(bytes, sha256, rows);
        }
        finally
        {
            if (!hash.IsCompleted)
                await stopHashing.CancelAsync();
            try { await hash; }
            catch (Exception) { /* the writer's own failure is the one to report */ }
        }
    }

    /// <summary>The progress of a file that another program writes: its size, polled.</summary>
    private static Timer? ReportGrowth(string path, IProgress<long>? progress) => progress is null ? null : new Timer(_ =>
    {
        try { progress.Report(new FileInfo(path).Length); }
        catch (IOException) { }
    }, null, 250, 250);

    private static Task Observed(Task task)
    {
        task.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return task;
    }

    // ---- reading --------------------------------------------------------------------------------------------

    /// <summary>The archive as pg_dump wrote it, read from the store through every stage undone.</summary>
    public async Task<Stream> OpenAsync(IBackupStore store, string name, CancellationToken ct)
    {
        var stream = await store.OpenReadAsync(name, ct);
        foreach (var stage in _stages)
            stream = stage.Decode(stream);
        return stream;
    }

    /// <summary>A path that pg_restore may open itself (and seek in): the file in a local store, when no stage changed it.</summary>
    public string? DirectPath(IBackupStore store, string name) => IsPassThrough ? store.Local?.PathOf(name) : null;

    /// <summary>
    /// Writes the archive as pg_dump wrote it to a local file (created 0600): the zstd program reads a local store's file
    /// itself; anything else streams through <see cref="OpenAsync"/>.
    /// </summary>
    public async Task DecodeToFileAsync(IBackupStore store, string name, string target, CancellationToken ct)
    {
        if (OnlyZstd && store.Local is { } local && ExternalZstd.Path is { } zstd)
        {
            await ExternalZstd.DecompressFileAsync(zstd, local.PathOf(name), target, ct);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return;
        }
        try
        {
            await using var input = await OpenAsync(store, name, ct);
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, BufferSize = 1 << 20 };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            await using var output = new FileStream(target, options);
            await input.CopyToAsync(output, 1 << 20, ct);
        }
        catch (IOException e) when (DiskFull.Is(e))
        {
            throw DiskFull.Error("decompress the backup to", target, e);
        }
        catch (ZstdSharp.ZstdException e)
        {
            throw new LifeboatException($"unable to decompress '{name}': {e.Message}", "the archive is damaged; choose another backup", ExitCodes.Integrity, e);
        }
    }
}

/// <summary>What reached the store: its size and SHA-256, and when they were counted on the way, the rows of each table (or why not).</summary>
public sealed record WrittenArchive(long Bytes, string Sha256, ArchiveRows? Rows);
