namespace Lifeboat.Core.Storage;

/// <summary>
/// Where backups live: the operations every store can do (pgbackrest's storage.intern.h). A file written through
/// <see cref="CreateAsync"/> exists under its final name only once it is complete. What only some stores can do is
/// in <see cref="Capabilities"/>; a local folder also offers <see cref="Local"/>, the paths external programs may use.
/// </summary>
public interface IBackupStore
{
    /// <summary>Where the store is, for messages: a folder's full path, or a URL.</summary>
    string Location { get; }

    /// <summary>Where a user finds one of the store's files, for messages and reports: a local path, or a URL.</summary>
    string LocationOf(string name);

    StoreCapabilities Capabilities { get; }

    /// <summary>Paths on this machine's file system, for programs that write or read the files themselves; null for a remote store.</summary>
    ILocalFolder? Local { get; }

    /// <summary>Creates the store if needed (a folder: 0700) and checks that it takes files; a user-facing error when not.</summary>
    Task EnsureWritableAsync(CancellationToken ct);

    /// <summary>A user-facing error when the store does not exist.</summary>
    Task EnsureReadableAsync(CancellationToken ct);

    /// <summary>Files whose names start with <paramref name="prefix"/> ("" for all), in no particular order.</summary>
    Task<IReadOnlyList<StoredFile>> ListAsync(string prefix, CancellationToken ct);

    /// <summary>A file's size and time, or null when it does not exist.</summary>
    Task<StoredFile?> InfoAsync(string name, CancellationToken ct);

    /// <summary>Opens a file for a sequential read (seekable when <see cref="StoreCapabilities.Seek"/>).</summary>
    Task<Stream> OpenReadAsync(string name, CancellationToken ct);

    /// <summary>A new file, written under a temporary name and given <paramref name="name"/> only by its commit.</summary>
    Task<IPendingFile> CreateAsync(string name, CancellationToken ct);

    /// <summary>Deletes a file; nothing when it does not exist.</summary>
    Task DeleteAsync(string name, CancellationToken ct);

    /// <summary>Free space for new backups, or null when the store cannot tell.</summary>
    Task<long?> FreeBytesAsync(CancellationToken ct);

    /// <summary>One run per database at a time: an exclusive lock, released on dispose (or when the process dies).</summary>
    Task<IRunLock> LockAsync(string name, string database, CancellationToken ct);
}

/// <summary>A held run lock (see <see cref="IBackupStore.LockAsync"/>).</summary>
public interface IRunLock : IAsyncDisposable
{
    /// <summary>The pid of a run that died holding the lock (killed, or the machine stopped), whose lock this one took over; null otherwise.</summary>
    int? TakenOverFrom { get; }
}

/// <summary>What only some stores can do.</summary>
[Flags]
public enum StoreCapabilities
{
    None = 0,
    /// <summary>Files have local paths that external programs (zstd, pg_restore) may write or read directly: see <see cref="IBackupStore.Local"/>.</summary>
    LocalPath = 1,
    /// <summary>Streams opened for reading can seek.</summary>
    Seek = 2,
    /// <summary>A file can be renamed in one step (a commit is a rename, not an upload).</summary>
    Rename = 4,
}

/// <summary>A file in a store.</summary>
public sealed record StoredFile(string Name, long SizeBytes, DateTimeOffset ModifiedAt);

/// <summary>A file being written: it has its final name only after <see cref="CommitAsync"/>; disposed without a commit it is removed.</summary>
public interface IPendingFile : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Where the bytes go.</summary>
    Stream Stream { get; }

    /// <summary>Makes the file durable and gives it its final name; <paramref name="replace"/> swaps it for an existing one in one step.</summary>
    Task CommitAsync(CancellationToken ct, bool replace = false);

    /// <summary>
    /// For a program that writes the file itself (zstd -o), on a store with <see cref="StoreCapabilities.LocalPath"/>:
    /// closes <see cref="Stream"/> and returns the path the program is to create; the commit then takes what it wrote.
    /// </summary>
    Task<string> HandOverAsync();
}

/// <summary>The local side of a store on this machine's file system.</summary>
public interface ILocalFolder
{
    /// <summary>The folder's full path.</summary>
    string Root { get; }

    /// <summary>The path of a file of the store, for a program that reads it itself.</summary>
    string PathOf(string name);

    /// <summary>Opens a file to append to (created 0600 when missing).</summary>
    Stream OpenAppend(string name);

    /// <summary>Makes renames done so far durable (fsync of the folder).</summary>
    void FlushEntries();
}
