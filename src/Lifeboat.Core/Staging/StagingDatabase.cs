using Lifeboat.Core.Manifest;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Verification;
using Npgsql;

namespace Lifeboat.Core.Staging;

/// <summary>
/// A scratch database a backup is loaded into and checked against its manifest, by a restore (which then swaps it in)
/// and by a deep verification (which drops it). Created from template0 (or the template a restore was given, which
/// may hold extensions only a superuser can create) with the backup's encoding and locale; held
/// under a session advisory lock on the maintenance connection while its run lives, which is how a later run tells a
/// dead run's leftover (dropped by <see cref="Leftovers"/>) from a live one. Dropped on dispose unless <see cref="Keep"/>.
/// </summary>
public sealed class StagingDatabase : IAsyncDisposable
{
    private readonly NpgsqlConnection _maintenance;
    private readonly StagingName _name;
    private bool _kept;

    private StagingDatabase(NpgsqlConnection maintenance, StagingName name)
    {
        _maintenance = maintenance;
        _name = name;
    }

    public string Name => _name.ToString();

    /// <summary>
    /// Drops what dead runs left for <paramref name="database"/> (saying so through <paramref name="log"/>), then creates this
    /// run's scratch database. Call it after every check that can refuse the backup: nothing is created for a refusal.
    /// </summary>
    public static async Task<StagingDatabase> CreateAsync(NpgsqlConnection maintenance, string database, StagingKind kind,
        DatabaseProperties? properties, TimeProvider clock, Action<string>? log, CancellationToken ct, string template = RestorePermissions.DefaultTemplate)
    {
        var (_, dropped, failed) = await Leftovers.DropDeadAsync(maintenance, database, ct);
        foreach (var leftover in dropped)
            log?.Invoke($"dropped {leftover.Name}, a scratch database left by a run that is gone ({leftover.Why})");
        foreach (var (leftover, reason) in failed)
            log?.Invoke($"could not drop {leftover.Name}, a scratch database left by a run that is gone: {reason}");

        var name = StagingName.Create(database, kind, clock.GetUtcNow());
        await Leftovers.HoldAsync(maintenance, name.ToString(), ct);
        var staging = new StagingDatabase(maintenance, name);
        try
        {
            await maintenance.ExecuteAsync(CreateStatement(name.ToString(), properties, template), ct);
        }
        catch
        {
            await Leftovers.ReleaseAsync(maintenance, name.ToString());
            throw;
        }
        log?.Invoke($"created scratch database {name}");
        return staging;
    }

    /// <summary>CREATE DATABASE from the template (template0 by default) with the backup's encoding, collation and character classes.</summary>
    public static string CreateStatement(string name, DatabaseProperties? properties, string template = RestorePermissions.DefaultTemplate)
    {
        var create = $"CREATE DATABASE {Sql.Ident(name)} TEMPLATE {Sql.Ident(template)} ENCODING {Sql.Literal(properties?.Encoding ?? "UTF8")}";
        if (properties?.Collate is not null && properties.Ctype is not null)
            create += $" LC_COLLATE {Sql.Literal(properties.Collate)} LC_CTYPE {Sql.Literal(properties.Ctype)}";
        return create;
    }

    /// <summary>Compares the loaded database with the manifest: encoding and locale, tables, rows, migration version.</summary>
    public Task<VerificationOutcome> CompareAsync(ConnectionSettings settings, BackupManifest manifest, int parallelism, CancellationToken ct) =>
        RestoredDatabaseCheck.CompareAsync(settings.WithDatabase(Name), manifest, parallelism, ct);

    /// <summary>The database is no longer scratch (the swap gave it the target's name): never drop it.</summary>
    public void Keep() => _kept = true;

    public async ValueTask DisposeAsync()
    {
        if (!_kept)
        {
            try
            {
                await _maintenance.ExecuteAsync($"DROP DATABASE IF EXISTS {Sql.Ident(Name)} WITH (FORCE)", CancellationToken.None);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                // The connection itself is gone: its lock went with it, so the next run finds this one dead and drops it.
                return;
            }
        }
        await Leftovers.ReleaseAsync(_maintenance, Name);
    }
}
