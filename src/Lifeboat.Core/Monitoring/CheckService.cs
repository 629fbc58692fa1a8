using Lifeboat.Core.Catalog;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Restore;
using Lifeboat.Core.Storage;

namespace Lifeboat.Core.Monitoring;

/// <summary>`lifeboat check`: the <see cref="HealthCheck"/> verdict over a store, for monitoring systems.</summary>
public sealed class CheckService(IBackupStores stores, TimeProvider clock)
{
    /// <summary>
    /// Never throws for a problem with the backups: a monitoring system reads one line and the exit code, and a check
    /// that cannot even look at the backups (unreadable folder, bad --max-age) is CRITICAL, never a WARNING.
    /// </summary>
    public async Task<HealthVerdict> CheckAsync(CheckRequest request, CancellationToken ct)
    {
        try
        {
            var store = stores.Open(request.BackupDirectory);
            var maxAge = TimeExpression.ParseSpan(request.MaxAge, "--max-age");
            var window = request.RequireVerified is { } text ? TimeExpression.ParseSpan(text, "--require-verified") : (TimeSpan?)null;
            var entries = await BackupCatalog.ScanAsync(store, request.Database, ct);
            return HealthCheck.Evaluate(entries, request.Database ?? store.Location, clock.GetLocalNow(), maxAge, window);
        }
        catch (Exception e) when (e is LifeboatException or IOException or UnauthorizedAccessException)
        {
            return new HealthVerdict(HealthCheck.Critical, $"CRITICAL - cannot check the backups: {(e as LifeboatException)?.OneLine ?? e.Message}");
        }
    }
}

public sealed record CheckRequest(string BackupDirectory, string MaxAge)
{
    public string? Database { get; init; }
    public string? RequireVerified { get; init; }
}
