using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;

namespace Lifeboat.Core.Backup;

/// <summary>Refuses to start a backup that cannot fit: an estimate from the size of the tables' data.</summary>
public static class SpaceCheck
{
    /// <summary>
    /// Dumps carry no indexes, so table data (heap + TOAST) is the base. Text output of binary columns can be
    /// larger than the heap, so uncompressed output counts 1.2×; zstd/gzip output is far smaller, 0.5× is a safe bound.
    /// </summary>
    public static long EstimateBytes(long tableDataBytes, Compression compression) =>
        compression == Compression.None
            ? (long)(tableDataBytes * 1.2)
            : tableDataBytes / 2;

    public static void Ensure(long? freeBytes, long neededBytes, string folder)
    {
        if (freeBytes is { } free && free < neededBytes)
            throw new LifeboatException(
                $"unable to back up into '{folder}': about {Units.Bytes(neededBytes)} is needed but only {Units.Bytes(free)} is free",
                "free some space, prune old backups (lifeboat prune), or choose another --backup-dir", ExitCodes.DiskFull);
    }
}
