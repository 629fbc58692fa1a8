namespace Lifeboat.Core.Storage;

/// <summary>
/// Why a path cannot be used, in plain words instead of .NET's exception text ("Could not find a part of the path
/// '/etc/passwd/x'" is "/etc/passwd is a file, not a folder").
/// </summary>
public static class PathProblem
{
    /// <summary>
    /// The exception's path problem in plain words, when .NET's message names a path ('…'); null when it names none.
    /// </summary>
    public static string? FromException(Exception e)
    {
        var quoted = System.Text.RegularExpressions.Regex.Match(e.Message, "'(?<path>[^']+)'");
        return quoted.Success && e is IOException or UnauthorizedAccessException ? Describe(quoted.Groups["path"].Value, e, folderExpected: false) : null;
    }

    /// <param name="folderExpected">The path itself should be a folder (a --backup-dir): a file there is the problem.</param>
    public static string Describe(string path, Exception e, bool folderExpected = true)
    {
        var full = Path.GetFullPath(path);
        if (folderExpected && File.Exists(full))
            return $"{full} is a file, not a folder";
        // The nearest part of the path that exists says what is in the way.
        for (var dir = Path.GetDirectoryName(full); dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(dir))
                return $"{dir} is a file, not a folder";
            if (Directory.Exists(dir))
                break;
        }
        return e switch
        {
            UnauthorizedAccessException => $"permission denied on {full}",
            IOException io when io.HResult == 30 || io.Message.Contains("Read-only file system", StringComparison.OrdinalIgnoreCase) => $"{full} is on a read-only file system",
            DirectoryNotFoundException => $"{full} does not exist",
            _ => $"{full}: {e.Message}",
        };
    }
}
