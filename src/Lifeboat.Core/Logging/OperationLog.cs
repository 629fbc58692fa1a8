using System.Globalization;
using System.Text;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Logging;

/// <summary>
/// The log of one operation (the seed's "log file for each backup"), written beside the backup as a .partial and
/// given its final name at the end, also when the operation failed: the log of a failure is what a user needs.
/// </summary>
public sealed partial class OperationLog : IAsyncDisposable
{
    private readonly IPendingFile? _file;
    private readonly Stream _stream;
    private readonly StreamWriter _writer;
    private readonly string? _secret;
    private readonly Lock _lock = new();
    private bool _finished;

    private OperationLog(IPendingFile? file, Stream stream, string location, string? secret)
    {
        _file = file;
        _stream = stream;
        _secret = secret;
        Location = location;
        _writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true };
    }

    /// <summary>A new log that gets its final name only when finished.</summary>
    public static async Task<OperationLog> CreateAsync(IBackupStore store, string name, string? secret, CancellationToken ct)
    {
        var file = await store.CreateAsync(name, ct);
        return new OperationLog(file, file.Stream, store.LocationOf(name), secret);
    }

    /// <summary>
    /// A log that grows with each run (restores of the same backup), appended in place (0600); null when the store
    /// cannot append or refuses (a read-only backup folder still restores).
    /// </summary>
    public static OperationLog? TryAppend(IBackupStore store, string name, string? secret)
    {
        if (store.Local is not { } local)
            return null;
        try { return new OperationLog(null, local.OpenAppend(name), store.LocationOf(name), secret); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// The log that a run which died (kill -9, a power cut) left as "&lt;name&gt;.partial": <paramref name="note"/> is added
    /// as its last line, the file is flushed to disk and renamed to &lt;name&gt;, the name the log of a failed run has (so
    /// list, status and rotation treat it as one). Returns its location; null when the store cannot rename or the final
    /// name is taken (the partial then stays).
    /// </summary>
    public static async Task<string?> KeepUnfinishedAsync(IBackupStore store, string partialName, string note)
    {
        if (store.Local is not { } local || !partialName.EndsWith(PendingFile.PartialSuffix, StringComparison.Ordinal))
            return null;
        var name = partialName[..^PendingFile.PartialSuffix.Length];
        var (partialPath, finalPath) = (local.PathOf(partialName), local.PathOf(name));
        if (File.Exists(finalPath))
            return null;
        try
        {
            await using (var log = new OperationLog(null, local.OpenAppend(partialName), finalPath, null))
            {
                log.Warn(note);
                await log.FinishAsync();
            }
            await using (var written = new FileStream(partialPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                written.Flush(flushToDisk: true);
            File.Move(partialPath, finalPath);
            return finalPath;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Where the log is (a path for a local store).</summary>
    public string Location { get; }

    public void Info(string message) => Write("INFO", message);
    public void Warn(string message) => Write("WARN", message);
    public void Error(string message) => Write("ERROR", message);

    /// <summary>
    /// A child tool's stderr, line by line, so the log tells the whole story. Called with each line as it arrives (from
    /// the thread that reads the tool's stderr), each line gets the time it was written, and a run that is stopped
    /// keeps what the tool said until then.
    /// </summary>
    public void ToolOutput(string tool, string stderr)
    {
        foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Write(tool, line.TrimEnd('\r'));
    }

    private void Write(string level, string message)
    {
        lock (_lock)
            WriteLine(level, message);
    }

    private void WriteLine(string level, string message)
    {
        if (_finished)
            return;
        if (!string.IsNullOrEmpty(_secret))
            message = message.Replace(_secret, "********", StringComparison.Ordinal);
        // psql echoes a failing statement: never the password hashes of a .roles.sql.
        message = PasswordLiteral().Replace(message, "PASSWORD '********'");
        var stamp = DateTimeOffset.Now.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        try
        {
            _writer.WriteLine($"{stamp} {level,-5} {message}");
        }
        catch (IOException)
        {
            // A full disk must not hide the real error behind a logging error.
        }
    }

    /// <summary>Flushes to disk and gives the log its final name.</summary>
    public async Task FinishAsync()
    {
        lock (_lock)
        {
            if (_finished)
                return;
            // No line after this one: a tool still writing (stopped, its stderr not yet closed) must not write to a closed writer.
            _finished = true;
        }
        try
        {
            await _writer.FlushAsync();
            await _writer.DisposeAsync();
            if (_file is not null)
                await _file.CommitAsync(CancellationToken.None);
            else
                await _stream.DisposeAsync();
        }
        catch (Exception e) when (e is IOException or Errors.LifeboatException)
        {
            // No room even for the log: leave nothing half-written behind (DisposeAsync removes the partial).
        }
    }

    public async ValueTask DisposeAsync()
    {
        bool finished;
        lock (_lock)
        {
            finished = _finished;
            _finished = true;
        }
        if (!finished)
            await _writer.DisposeAsync();
        if (_file is not null)
            await _file.DisposeAsync();
        else
            await _stream.DisposeAsync();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"PASSWORD\s+'[^']*'", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex PasswordLiteral();
}
