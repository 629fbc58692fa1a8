namespace Lifeboat.Core;

/// <summary>Processes on this host, as the runs that left a lock, a scratch database or a decompressed copy were.</summary>
public static class LocalProcess
{
    /// <summary>Whether a process with this pid runs on this host (a reused pid counts as alive: the safe side).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
