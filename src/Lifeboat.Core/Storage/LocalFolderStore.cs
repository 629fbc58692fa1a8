using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Storage;

/// <summary>A backup folder on a local or mounted disk: 0700, files 0600, writes atomic through <see cref="PendingFile"/>.</summary>
public sealed class LocalFolderStore(string root) : IBackupStore, ILocalFolder
{
    public string Root { get; } = Path.GetFullPath(root);

    public string Location => Root;

    public string LocationOf(string name) => PathOf(name);

    public StoreCapabilities Capabilities => StoreCapabilities.LocalPath | StoreCapabilities.Seek | StoreCapabilities.Rename;

    public ILocalFolder Local => this;

    public Task EnsureWritableAsync(CancellationToken ct)
    {
        try
        {
            if (!Directory.Exists(Root))
                PrivateFolder.Create(Root);
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
            throw new LifeboatException($"unable to use backup folder '{Root}': {PathProblem.Describe(Root, e)}",
                "choose another --backup-dir", ExitCodes.Failure, e);
        }
        return Task.CompletedTask;
    }

    public Task EnsureReadableAsync(CancellationToken ct)
    {
        if (File.Exists(Root))
            throw new LifeboatException($"unable to read backup folder '{Root}': it is a file, not a folder",
                "check --backup-dir", ExitCodes.Failure);
        if (!Directory.Exists(Root))
            throw new LifeboatException($"unable to read backup folder '{Root}': it does not exist",
                "check --backup-dir", ExitCodes.Failure);
        return Task.CompletedTask;
    }

    public string PathOf(string name) => Path.Combine(Root, name);

    public Task<IReadOnlyList<StoredFile>> ListAsync(string prefix, CancellationToken ct)
    {
        IReadOnlyList<StoredFile> files = Directory.Exists(Root)
            ? new DirectoryInfo(Root).EnumerateFiles().Where(f => f.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(Describe).ToList()
            : [];
        return Task.FromResult(files);
    }

    public Task<StoredFile?> InfoAsync(string name, CancellationToken ct)
    {
        var file = new FileInfo(PathOf(name));
        return Task.FromResult(file.Exists ? Describe(file) : null);
    }

    private static StoredFile Describe(FileInfo f) => new(f.Name, f.Length, new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero));

    public Task<Stream> OpenReadAsync(string name, CancellationToken ct) => Task.FromResult<Stream>(
        new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan | FileOptions.Asynchronous));

    public Task<IPendingFile> CreateAsync(string name, CancellationToken ct) => Task.FromResult<IPendingFile>(new PendingFile(name, PathOf(name)));

    public Task DeleteAsync(string name, CancellationToken ct)
    {
        var path = PathOf(name);
        if (File.Exists(path))
            File.Delete(path);
        return Task.CompletedTask;
    }

    public Task<long?> FreeBytesAsync(CancellationToken ct)
    {
        try { return Task.FromResult<long?>(new DriveInfo(Root).AvailableFreeSpace); }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException) { return Task.FromResult<long?>(null); }
    }

    public Task<IRunLock> LockAsync(string name, string database, CancellationToken ct) =>
        Task.FromResult<IRunLock>(FileLock.Acquire(PathOf(name), database));

    public Stream OpenAppend(string name)
    {
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(PathOf(name), options);
    }

    /// <summary>
    /// Makes the folder's entries durable (Unix: fsync of the directory), so that renames done before survive a power
    /// loss; called once after a manifest is written, which covers the renames of its files before it.
    /// </summary>
    public void FlushEntries() => DirectorySync.Flush(Root);
}
