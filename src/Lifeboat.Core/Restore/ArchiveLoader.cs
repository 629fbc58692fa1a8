using CliWrap;
using Lifeboat.Core.Backup;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Restore;

/// <summary>
/// Loads a backup's archive into an empty database: custom format with pg_restore --jobs, plain SQL with psql in a
/// single transaction with ON_ERROR_STOP. Also used by deep verification.
/// </summary>
public sealed class ArchiveLoader(ConnectionSettings settings, OperationLog? log)
{
    /// <summary>Session settings that speed up loading and index builds; the staging database is disposable until verified.</summary>
    private const string FastLoadOptions = "-c synchronous_commit=off -c maintenance_work_mem=512MB";

    /// <summary>
    /// With one pg_restore job per core, parallel index builds only oversubscribe the cores: measured on the
    /// scale-10 fixture, 2 cores, post-data about 0.5 s faster without them (bench/README.md).
    /// </summary>
    private const string ParallelJobsOptions = " -c max_parallel_maintenance_workers=0";

    public async Task<IReadOnlyList<string>> LoadAsync(string archivePath, BackupManifest manifest, string database, LoadOptions options,
        ToolLocator tools, int serverMajor, CancellationToken ct)
    {
        var needed = Math.Max(serverMajor, PgVersion.ParseToolOutput($"(PostgreSQL) {manifest.PgDumpVersion}")?.Major ?? serverMajor);
        var compression = Enum.Parse<Compression>(manifest.Compression, ignoreCase: true);
        var pgOptions = FastLoadOptions + (manifest.Format != "plain" && options.Jobs >= Environment.ProcessorCount ? ParallelJobsOptions : "");
        var extraEnv = new Dictionary<string, string?> { ["PGOPTIONS"] = pgOptions };
        return manifest.Format == "plain"
            ? await LoadPlainAsync(archivePath, compression, database, options, await tools.FindAsync("psql", needed, ct), extraEnv, ct)
            : await LoadCustomAsync(archivePath, compression, database, options, await tools.FindAsync("pg_restore", needed, ct), extraEnv, ct);
    }

    private async Task<IReadOnlyList<string>> LoadCustomAsync(string archivePath, Compression compression, string database, LoadOptions options,
        PgTool pgRestore, IReadOnlyDictionary<string, string?> extraEnv, CancellationToken ct)
    {
        var args = new List<string> { "--no-password", "--dbname", database };
        if (options.NoOwner)
            args.Add("--no-owner");
        if (options.NoPrivileges)
            args.Add("--no-privileges");

        string? tempArchive = null;
        var ownCopy = false;
        PipeSource? stdin = null;
        var warnings = new List<string>();
        try
        {
            if (options.PendingCopy is { } pending)
            {
                if (!pending.IsCompleted)
                {
                    // While the copy is still being written, the schema goes in: pre-data needs only the table of
                    // contents at the start of the archive, which a stream gives at once (pg_restore stops reading there).
                    options.OnPhase?.Invoke("creating the schema from the archive while the copy is written");
                    var preData = await ToolRunner.RunAsync(pgRestore, [.. args, "--section=pre-data"], settings, database, ct,
                        stdin: PipeSource.FromStream(CompressionStreams.Decompress(File.OpenRead(archivePath), compression)), extraEnvironment: extraEnv);
                    warnings.AddRange(Judge(preData));
                    args.AddRange(["--section=data", "--section=post-data"]);
                }
                tempArchive = (await pending)?.Path;
                if (tempArchive is not null)
                    log?.Info($"restoring from the decompressed copy {tempArchive} with {options.Jobs} jobs");
            }
            else if (NeedsSeekableCopy(compression, options.Jobs))
            {
                tempArchive = await TryDecompressCopyAsync(archivePath, options.Jobs, options.OnPhase, ct);
                ownCopy = tempArchive is not null;
            }
            if (tempArchive is not null)
            {
                args.AddRange(["--jobs", options.Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture), tempArchive]);
            }
            else if (compression == Compression.Zstd)
            {
                stdin = PipeSource.FromStream(CompressionStreams.Decompress(File.OpenRead(archivePath), compression));
            }
            else
            {
                if (options.Jobs > 1)
                    args.AddRange(["--jobs", options.Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                args.Add(archivePath);
            }
            options.OnPhase?.Invoke("restoring with pg_restore");
            var result = await ToolRunner.RunAsync(pgRestore, args, settings, database, ct, stdin: stdin, extraEnvironment: extraEnv);
            warnings.AddRange(Judge(result));
            return warnings;
        }
        finally
        {
            if (ownCopy)
                CopyLocations.Remove(tempArchive!);
        }
    }

    private static bool NeedsSeekableCopy(Compression compression, int jobs) => compression == Compression.Zstd && jobs > 1;

    /// <summary>
    /// Starts the decompressed copy that pg_restore --jobs needs, so that it can be made while other work goes on (the
    /// restore checks the archive's SHA-256 and the server meanwhile). Null when the archive can be restored as it is.
    /// </summary>
    public async Task<DecompressedCopy?> PrepareAsync(string archivePath, BackupManifest manifest, int jobs, Action<string>? onPhase, CancellationToken ct)
    {
        var compression = Enum.Parse<Compression>(manifest.Compression, ignoreCase: true);
        if (manifest.Format == "plain" || !NeedsSeekableCopy(compression, jobs))
            return null;
        return new DecompressedCopy(await TryDecompressCopyAsync(archivePath, jobs, onPhase, ct));
    }

    private async Task<IReadOnlyList<string>> LoadPlainAsync(string archivePath, Compression compression, string database, LoadOptions options,
        PgTool psql, IReadOnlyDictionary<string, string?> extraEnv, CancellationToken ct)
    {
        // ON_ERROR_STOP: without it psql exits 0 after errors and a restore "succeeds" with nothing restored.
        var args = new List<string> { "--no-password", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", database, "-f", "-" };
        await using var source = CompressionStreams.Decompress(
            new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan), compression);
        var input = options.NoOwner || options.NoPrivileges
            ? PlainDumpFilter.Without(source, options.NoOwner, options.NoPrivileges)
            : PipeSource.FromStream(source);
        options.OnPhase?.Invoke("restoring with psql");
        var result = await ToolRunner.RunAsync(psql, args, settings, database, ct, stdin: input, extraEnvironment: extraEnv);
        // With ON_ERROR_STOP and one transaction, any error rolled everything back: no error is harmless here.
        if (!result.Succeeded)
        {
            log?.ToolOutput(result.Tool.Name, result.StandardError);
            throw result.ToException("the restore log has the full output");
        }
        return Judge(result);
    }

    private IReadOnlyList<string> Judge(ToolResult result)
    {
        log?.ToolOutput(result.Tool.Name, result.StandardError);
        var (errors, warnings) = RestoreErrorClassifier.Classify(result.StandardError);
        if (errors.Count > 0 || (!result.Succeeded && warnings.Count == 0))
            throw new ToolFailedException(result.Tool.Name, result.ExitCode,
                errors.Count > 0 ? string.Join(" | ", errors.Take(3)) : result.StderrTail(),
                "the restore log has the full output");
        return warnings;
    }

    /// <summary>
    /// pg_restore --jobs needs a seekable file: decompress the archive beside it (see <see cref="CopyLocations"/>; the
    /// one extra copy of the data, removed right after). When the folder cannot take it (read-only or full),
    /// pg_restore streams with one job.
    /// </summary>
    private async Task<string?> TryDecompressCopyAsync(string archivePath, int jobs, Action<string>? onPhase, CancellationToken ct)
    {
        CopyLocations.RemoveStale(archivePath);
        // In a private 0700 folder: zstd creates its output with the umask's permissions.
        var temp = CopyLocations.CopyPath(archivePath);
        var folder = Path.GetDirectoryName(temp)!;
        try
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(folder);
            else
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            onPhase?.Invoke($"decompressing to {temp} so that pg_restore can run {jobs} jobs (a temporary copy, removed after)");
            await DecompressToFileAsync(archivePath, Compression.Zstd, temp, ct);
            var patched = PatchOffsets(temp);
            log?.Info(patched >= 0 ? $"wrote the data offsets of {patched} entries into the copy's table of contents (pg_restore --jobs needs no scan)"
                : "archive version not known to the offset writer: pg_restore will scan for its data blocks");
            return temp;
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is LifeboatException { ExitCode: ExitCodes.DiskFull }) || (e is IOException && !File.Exists(temp)))
        {
            CopyLocations.Remove(temp);
            log?.Warn($"cannot write a decompressed copy beside the backup ({e.Message}): restoring from a stream with one job");
            onPhase?.Invoke("the backup folder cannot take a decompressed copy: streaming into pg_restore with one job");
            return null;
        }
        catch
        {
            CopyLocations.Remove(temp);
            throw;
        }
    }

    private static int PatchOffsets(string path)
    {
        try { return ArchiveOffsets.Patch(path); }
        catch (Exception e) when (e is IOException or InvalidDataException) { return -1; } // left as pg_dump wrote it: still restorable
    }

    private static async Task DecompressToFileAsync(string source, Compression compression, string target, CancellationToken ct)
    {
        if (compression == Compression.Zstd && ExternalZstd.Path is { } zstd)
        {
            await ExternalZstd.DecompressFileAsync(zstd, source, target, ct);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            return;
        }
        try
        {
            await using var input = CompressionStreams.Decompress(
                new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan), compression);
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
            throw new LifeboatException($"unable to decompress '{source}': {e.Message}", "the archive is damaged; choose another backup", ExitCodes.Integrity, e);
        }
    }
}

/// <summary>How to load: jobs for pg_restore, and whether to leave out ownership and privileges.</summary>
public sealed record LoadOptions(int Jobs, bool NoOwner, bool NoPrivileges)
{
    public Action<string>? OnPhase { get; init; }

    /// <summary>
    /// A copy being made by <see cref="ArchiveLoader.PrepareAsync"/> (its owner removes it); the schema is restored while
    /// it is still being written. Null: the loader makes its own copy when it needs one.
    /// </summary>
    public Task<DecompressedCopy?>? PendingCopy { get; init; }
}

/// <summary>
/// The decompressed copy of a .dump.zst for pg_restore --jobs, in a private folder beside the backup; removed on dispose.
/// <see cref="Path"/> is null when the folder could not take it (then pg_restore streams with one job).
/// </summary>
public sealed class DecompressedCopy(string? path) : IAsyncDisposable
{
    public string? Path { get; } = path;

    public ValueTask DisposeAsync()
    {
        if (Path is not null)
            CopyLocations.Remove(Path);
        return ValueTask.CompletedTask;
    }
}
