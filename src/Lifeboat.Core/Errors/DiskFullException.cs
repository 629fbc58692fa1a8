namespace Lifeboat.Core.Errors;

/// <summary>Helpers that recognise "no space left on device" wherever it surfaces.</summary>
public static class DiskFull
{
    private const int ENOSPC = 28;
    private const int WindowsDiskFull = unchecked((int)0x80070070);

    public static bool Is(Exception e) => e switch
    {
        IOException io when io.HResult == ENOSPC || io.HResult == WindowsDiskFull => true,
        IOException io when io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) => true,
        _ when e.InnerException is not null => Is(e.InnerException),
        _ => false,
    };

    public static LifeboatException Error(string what, string path, Exception? inner = null) => new(
        $"unable to {what} '{path}': the disk is full",
        "free some space (or prune old backups) and run again; nothing incomplete was left behind",
        ExitCodes.DiskFull, inner);
}
