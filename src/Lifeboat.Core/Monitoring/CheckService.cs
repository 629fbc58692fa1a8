using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Restore;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Monitoring;

/// <summary>`lifeboat check`: the <see cref="HealthCheck"/> verdict over a store, for monitoring systems.</summary>
public sealed class CheckService(IBackupStores stores, TimeProvider clock)
{
    /// <summary>
    /// Never throws for a problem with the backups: a monitoring system reads one line and the exit code. A missing
    /// backup folder is CRITICAL (there are no backups); a check that cannot run (a bad --max-age, an unreadable
    /// folder) is UNKNOWN, as Nagios has it, never OK or a WARNING.
    /// </summary>
    public async Task<HealthVerdict> CheckAsync(CheckRequest request, CancellationToken ct)
    {
        try
        {
            var maxAge = TimeExpression.ParseSpan(request.MaxAge, "--max-age");
            var window = request.RequireVerified is { } text ? TimeExpression.ParseSpan(text, "--require-verified") : (TimeSpan?)null;
            var store = stores.Open(request.BackupDirectory);
            if (store.Local is { } local && !Directory.Exists(local.Root))
                return new HealthVerdict(HealthCheck.Critical, File.Exists(local.Root)
                    ? $"CRITICAL - {local.Root}: the backup folder is a file, not a folder"
                    : $"CRITICAL - {local.Root}: the backup folder does not exist (no backups; check --backup-dir)");
            var entries = await BackupCatalog.ScanAsync(store, request.Database, ct);
            return HealthCheck.Evaluate(entries, request.Database ?? store.Location, clock.GetLocalNow(), maxAge, window);
        }
        catch (Exception e) when (e is LifeboatException or IOException or UnauthorizedAccessException)
        {
            var why = e is LifeboatException le ? le.OneLine : PathProblem.FromException(e) ?? e.Message;
            return new HealthVerdict(HealthCheck.Unknown, $"UNKNOWN - cannot check the backups: {why}");
        }
    }
}

public sealed record CheckRequest(string BackupDirectory, string MaxAge)
{
    public string? Database { get; init; }
    public string? RequireVerified { get; init; }
}
