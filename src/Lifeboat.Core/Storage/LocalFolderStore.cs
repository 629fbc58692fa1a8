using Lifeboat.Core.Backup;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Storage;

/// <summary>A backup folder on a local or mounted disk: 0700, files 0600, writes atomic through <see cref="PendingFile"/>.</summary>
public sealed class LocalFolderStore(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Creates the folder (0700 on Unix) if needed and checks that we can write into it.</summary>
    public void EnsureWritable()
    {
        try
        {
            if (!Directory.Exists(Root))
            {
                if (OperatingSystem.IsWindows())
                    Directory.CreateDirectory(Root);
                else
                    Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            var probe = Path.Combine(Root, $".lifeboat-write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new LifeboatException($"unable to write to backup folder '{Root}': permission denied",
                "choose another --backup-dir, or give this user write access to it", ExitCodes.Failure, e);
        }
        catch (IOException e) when (DiskFull.Is(e))
        {
            throw DiskFull.Error("write to backup folder", Root, e);
        }
        catch (IOException e)
        {
            throw new LifeboatException($"unable to use backup folder '{Root}': {e.Message}",
                "choose another --backup-dir", ExitCodes.Failure, e);
        }
    }

    public void EnsureReadable()
    {
        if (!Directory.Exists(Root))
            throw new LifeboatException($"unable to read backup folder '{Root}': it does not exist",
                "check --backup-dir", ExitCodes.Failure);
    }

    public string PathOf(string name) => Path.Combine(Root, name);

    public PendingFile Create(string name) => new(PathOf(name));

    public bool Exists(string name) => File.Exists(PathOf(name));

    public IEnumerable<FileInfo> List() =>
        Directory.Exists(Root) ? new DirectoryInfo(Root).EnumerateFiles() : [];

    public long FreeBytes()
    {
        try { return new DriveInfo(Root).AvailableFreeSpace; }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return -1; }
    }

    public void Delete(string name)
    {
        var path = PathOf(name);
        if (File.Exists(path))
            File.Delete(path);
    }

    /// <summary>Writes a small file atomically (manifest, sidecars).</summary>
    public async Task WriteAtomicallyAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct, bool overwrite = false)
    {
        // With overwrite, one rename replaces the old file: a reader sees the old or the new one, never half of one.
        await using var file = Create(name);
        await file.Stream.WriteAsync(content, ct);
        await file.CommitAsync(ct, replace: overwrite);
    }

    /// <summary>
    /// Removes what runs that died left of this database's backups (called while holding its lock, so no other run is
    /// writing them): *.partial files, and archives or sidecars that got their final name but never a manifest (a run
    /// killed between its renames and the manifest). Logs stay: they tell what happened.
    /// </summary>
    public IReadOnlyList<string> RemoveStalePartials(string database)
    {
        var removed = new List<string>();
        var files = List().ToList();
        var manifests = files.Where(f => f.Name.EndsWith(BackupNaming.ManifestExtension, StringComparison.Ordinal))
            .Select(f => BackupNaming.Parse(f.Name)?.Stem).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var parsed = BackupNaming.Parse(file.Name);
            if (parsed?.Database != database)
                continue;
            var partial = file.Name.EndsWith(BackupNaming.PartialSuffix, StringComparison.Ordinal);
            var orphan = !partial && !manifests.Contains(parsed.Stem) && IsArchiveOrSidecar(parsed.Extension);
            if (!partial && !orphan)
                continue;
            try
            {
                file.Delete();
                removed.Add(file.Name);
            }
            catch (IOException) { }
        }
        return removed;
    }

    private static bool IsArchiveOrSidecar(string extension) => extension is ".dump.zst" or ".dump" or ".sql.zst" or ".sql.gz" or ".sql"
        or BackupNaming.MigrationsExtension or BackupNaming.RolesExtension;

    /// <summary>
    /// Makes the folder's entries durable (Unix: fsync of the directory), so that renames done before survive a power
    /// loss; called once after a manifest is written, which covers the renames of its files before it.
    /// </summary>
    public void FlushEntries() => DirectorySync.Flush(Root);
}
