using CliWrap;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Logging;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Pipeline;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Staging;

/// <summary>
/// Loads a backup's archive into an empty database: custom format with pg_restore --jobs, plain SQL with psql in a
/// single transaction with ON_ERROR_STOP. The archive comes from its store through the read pipeline.
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

    public async Task<IReadOnlyList<string>> LoadAsync(IBackupStore store, BackupManifest manifest, string database, LoadOptions options,
        ToolLocator tools, int serverMajor, CancellationToken ct)
    {
        var needed = Math.Max(serverMajor, manifest.PgDumpMajor);
        var pipeline = ArchivePipeline.For(manifest);
        var pgOptions = FastLoadOptions + (manifest.Format == BackupFormat.Custom && options.Jobs >= Environment.ProcessorCount ? ParallelJobsOptions : "");
        var extraEnv = new Dictionary<string, string?> { ["PGOPTIONS"] = pgOptions };
        var source = new ArchiveSource(store, manifest.Archive.Name, pipeline);
        return manifest.Format == BackupFormat.Plain
            ? await LoadPlainAsync(source, database, options, await tools.FindAsync("psql", needed, ct), extraEnv, ct)
            : await LoadCustomAsync(source, database, options, await tools.FindAsync("pg_restore", needed, ct), extraEnv, ct);
    }

    private sealed record ArchiveSource(IBackupStore Store, string Name, ArchivePipeline Pipeline)
    {
        public Task<Stream> OpenAsync(CancellationToken ct) => Pipeline.OpenAsync(Store, Name, ct);
    }

    private async Task<IReadOnlyList<string>> LoadCustomAsync(ArchiveSource source, string database, LoadOptions options,
        PgTool pgRestore, IReadOnlyDictionary<string, string?> extraEnv, CancellationToken ct)
    {
        var args = new List<string> { "--no-password", "--dbname", database };
        if (options.NoOwner)
            args.Add("--no-owner");
        if (options.NoPrivileges)
            args.Add("--no-privileges");

        DecompressedCopy? ownCopy = null;
        string? file = null;
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
                    await using var head = await source.OpenAsync(ct);
                    var preData = await ToolRunner.RunAsync(pgRestore, [.. args, "--section=pre-data"], settings, database, ct,
                        stdin: PipeSource.FromStream(head), extraEnvironment: extraEnv);
                    warnings.AddRange(Judge(preData));
                    args.AddRange(["--section=data", "--section=post-data"]);
                }
                file = (await pending)?.Path;
                if (file is not null)
                    log?.Info($"restoring from the decompressed copy {file} with {options.Jobs} jobs");
            }
            else if (options.Jobs > 1 && source.Pipeline.DirectPath(source.Store, source.Name) is null)
            {
                ownCopy = await TryCopyAsync(source.Store, source.Name, source.Pipeline, options.Jobs, options.OnPhase, ct);
                file = ownCopy?.Path;
            }
            file ??= source.Pipeline.DirectPath(source.Store, source.Name);

            Stream? stdin = null;
            if (file is not null)
            {
                if (options.Jobs > 1)
                    args.AddRange(["--jobs", options.Jobs.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                args.Add(file);
            }
            else
            {
                stdin = await source.OpenAsync(ct);
            }
            await using (stdin)
            {
                options.OnPhase?.Invoke("restoring with pg_restore");
                var result = await ToolRunner.RunAsync(pgRestore, args, settings, database, ct,
                    stdin: stdin is null ? null : PipeSource.FromStream(stdin), extraEnvironment: extraEnv);
                warnings.AddRange(Judge(result));
            }
            return warnings;
        }
        finally
        {
            if (ownCopy is not null)
                await ownCopy.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts the decompressed copy that pg_restore --jobs needs, so that it can be made while other work goes on (the
    /// restore checks the archive's SHA-256 and the server meanwhile). Null when the archive can be restored as it is.
    /// </summary>
    public async Task<DecompressedCopy?> PrepareAsync(IBackupStore store, BackupManifest manifest, int jobs, Action<string>? onPhase, CancellationToken ct)
    {
        var pipeline = ArchivePipeline.For(manifest);
        if (manifest.Format == BackupFormat.Plain || jobs <= 1 || pipeline.DirectPath(store, manifest.Archive.Name) is not null)
            return null;
        return await TryCopyAsync(store, manifest.Archive.Name, pipeline, jobs, onPhase, ct) ?? new DecompressedCopy(null);
    }

    private async Task<IReadOnlyList<string>> LoadPlainAsync(ArchiveSource source, string database, LoadOptions options,
        PgTool psql, IReadOnlyDictionary<string, string?> extraEnv, CancellationToken ct)
    {
        // ON_ERROR_STOP: without it psql exits 0 after errors and a restore "succeeds" with nothing restored.
        var args = new List<string> { "--no-password", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", database, "-f", "-" };
        await using var sql = await source.OpenAsync(ct);
        var input = options.NoOwner || options.NoPrivileges || options.FromTemplateExtensions
            ? PlainDumpFilter.Without(sql, options.NoOwner, options.NoPrivileges, options.FromTemplateExtensions)
            : PipeSource.FromStream(sql);
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
    /// pg_restore --jobs needs a seekable file: write the archive as pg_dump wrote it beside the backup (see
    /// <see cref="CopyLocations"/>; the one extra copy of the data, removed right after). When the folder cannot take it
    /// (read-only or full), null: pg_restore streams with one job.
    /// </summary>
    private async Task<DecompressedCopy?> TryCopyAsync(IBackupStore store, string name, ArchivePipeline pipeline, int jobs, Action<string>? onPhase, CancellationToken ct)
    {
        var folder = CopyLocations.FolderFor(store);
        CopyLocations.RemoveStale(folder);
        var temp = CopyLocations.CopyPath(folder, name);
        try
        {
            // In a private 0700 folder: zstd creates its output with the umask's permissions.
            Storage.PrivateFolder.Create(Path.GetDirectoryName(temp)!);
            onPhase?.Invoke($"decompressing to {temp} so that pg_restore can run {jobs} jobs (a temporary copy, removed after)");
            await pipeline.DecodeToFileAsync(store, name, temp, ct);
            var patched = PatchOffsets(temp);
            log?.Info(patched >= 0 ? $"wrote the data offsets of {patched} entries into the copy's table of contents (pg_restore --jobs needs no scan)"
                : "archive version not known to the offset writer: pg_restore will scan for its data blocks");
            return new DecompressedCopy(temp);
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
}

/// <summary>How to load: jobs for pg_restore, and whether to leave out ownership and privileges.</summary>
public sealed record LoadOptions(int Jobs, bool NoOwner, bool NoPrivileges)
{
    public Action<string>? OnPhase { get; init; }

    /// <summary>
    /// The database was made from a template that may hold the backup's extensions, created by someone else: a plain
    /// dump's COMMENT ON EXTENSION (owner only) is left out; pg_restore's failure of it is a warning already.
    /// </summary>
    public bool FromTemplateExtensions { get; init; }

    /// <summary>
    /// A copy being made by <see cref="ArchiveLoader.PrepareAsync"/> (its owner removes it); the schema is restored while
    /// it is still being written. Null: the loader makes its own copy when it needs one.
    /// </summary>
    public Task<DecompressedCopy?>? PendingCopy { get; init; }
}

/// <summary>
/// The decompressed copy of an archive for pg_restore --jobs, in a private folder beside the backup; removed on dispose.
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
