using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Npgsql;

namespace Lifeboat.Core.Staging;

/// <summary>Everything checked before anything is touched: versions, extensions, roles, disk space.</summary>
public static class Preflight
{
    /// <summary>Everything that can refuse a backup for this server before a scratch database is made: versions, the tool, extensions.</summary>
    public static async Task CheckAllAsync(NpgsqlConnection connection, BackupManifest manifest, PgVersion server, ToolLocator tools, CancellationToken ct)
    {
        CheckVersions(manifest, server);
        await tools.FindAsync(manifest.Format == BackupFormat.Plain ? "psql" : "pg_restore", Math.Max(server.Major, manifest.PgDumpMajor), ct);
        await CheckExtensionsAsync(connection, manifest, server, ct);
    }

    /// <summary>
    /// A backup from a newer pg_dump than the server is refused before anything is touched: its custom archive has a
    /// version only that pg_restore (or a newer one) reads, and a newer pg_dump writes SQL an older server does not
    /// understand (pg_dump 17 sets transaction_timeout, which 16 and older reject), so the load would fail half-way.
    /// </summary>
    public static void CheckVersions(BackupManifest manifest, PgVersion server)
    {
        var dumpMajor = manifest.PgDumpMajor;
        if (dumpMajor <= server.Major)
            return;
        var reader = manifest.Format == BackupFormat.Plain
            ? $"it needs psql {dumpMajor} or newer"
            : $"its archive{(ArchiveVersionOf(dumpMajor) is { } version ? $" (version {version})" : "")} needs pg_restore {dumpMajor} or newer";
        var sql = dumpMajor >= 17 && server.Major <= 16
            ? "its SQL (SET transaction_timeout) is not understood by PostgreSQL 16 and older"
            : "a newer pg_dump's SQL may not be understood by an older server";
        throw new LifeboatException(
            $"unable to restore a backup made by pg_dump {manifest.PgDumpVersion} into PostgreSQL {server}: {reader}, and {sql}",
            $"restore it into a PostgreSQL {dumpMajor} (or newer) server; nothing was changed", ExitCodes.Tool);
    }

    /// <summary>The custom-format archive version each pg_dump writes (pg_backup_archiver.h): 12–15 1.14, 16 1.15, 17 and 18 1.16.</summary>
    public static string? ArchiveVersionOf(int pgDumpMajor) => pgDumpMajor switch
    {
        >= 12 and <= 15 => "1.14",
        16 => "1.15",
        17 or 18 => "1.16",
        _ => null,
    };

    public static async Task CheckExtensionsAsync(NpgsqlConnection connection, BackupManifest manifest, PgVersion server, CancellationToken ct)
    {
        var available = await connection.ReadSetAsync("SELECT name FROM pg_available_extensions", ct);
        var missing = manifest.Extensions.Where(e => e.Name != "plpgsql" && !available.Contains(e.Name)).ToList();
        if (missing.Count == 0)
            return;
        var first = missing[0].Name;
        var package = first.StartsWith("postgis", StringComparison.Ordinal) || first == "address_standardizer"
            ? $"install postgresql-{server.Major}-postgis-3"
            : $"install the package that provides '{first}' for PostgreSQL {server.Major}";
        throw new LifeboatException(
            $"extension {string.Join(", ", missing.Select(m => m.Name))} is not installed on this server: {package}",
            "nothing was changed", ExitCodes.Failure);
    }

    /// <summary>Roles the backup names that the server lacks.</summary>
    public static async Task<IReadOnlyList<string>> MissingRolesAsync(NpgsqlConnection connection, BackupManifest manifest, CancellationToken ct)
    {
        var existing = await ExistingRolesAsync(connection, ct);
        return manifest.Roles.Select(r => r.Name).Where(r => !existing.Contains(r)).ToList();
    }

    public static Task<HashSet<string>> ExistingRolesAsync(NpgsqlConnection connection, CancellationToken ct) =>
        connection.ReadSetAsync("SELECT rolname FROM pg_roles", ct);

    public static LifeboatException MissingRolesError(IReadOnlyList<string> missing) => new(
        $"unable to restore: the backup needs roles this server lacks: {string.Join(", ", missing)}",
        "add --create-roles to create them from the backup (without passwords unless it has them), or --no-owner --no-privileges to restore without them; nothing was changed",
        ExitCodes.Failure);

    /// <summary>Free space where the server keeps its data, when it can be known (a local server and a user allowed to see data_directory).</summary>
    public static async Task CheckServerDiskAsync(NpgsqlConnection connection, ConnectionSettings settings, BackupManifest manifest, CancellationToken ct)
    {
        if (settings.Host is not ("localhost" or "127.0.0.1" or "::1") && !settings.Host.StartsWith('/'))
            return;
        string? dataDirectory;
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT current_setting('data_directory')", connection);
            dataDirectory = await cmd.ExecuteScalarAsync(ct) as string;
        }
        catch (PostgresException)
        {
            return; // not allowed to see it: the restore will tell if the disk fills
        }
        if (dataDirectory is null || !Directory.Exists(dataDirectory))
            return;
        var free = new DriveInfo(dataDirectory).AvailableFreeSpace;
        if (free < manifest.DatabaseSizeBytes)
            throw new LifeboatException(
                $"unable to restore: the database needs about {Units.Bytes(manifest.DatabaseSizeBytes)} but the server's disk ({dataDirectory}) has {Units.Bytes(free)} free",
                "free space on the server's disk; nothing was changed", ExitCodes.DiskFull);
    }
}
