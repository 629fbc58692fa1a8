using Lifeboat.Core.Postgres;

namespace Lifeboat.Core.Verification;

/// <summary>What `lifeboat verify` checks: which backups, and whether to restore them into a scratch database.</summary>
public sealed record VerifyRequest(string BackupDirectory, VerifySelection Selection)
{
    public string? Database { get; init; }
    public string? File { get; init; }
    public bool Deep { get; init; }
    /// <summary>Run after a deep restore with PGHOST/PGPORT/PGUSER/PGDATABASE pointing at the scratch database.</summary>
    public string? RunCommand { get; init; }
    /// <summary>The --run command's standard output goes to stderr (stdout carries the JSON result).</summary>
    public bool RunCommandOutputToStderr { get; init; }
    public ConnectionSettings? Connection { get; init; }
    public string MaintenanceDatabase { get; init; } = Defaults.MaintenanceDatabase;
    public int Jobs { get; init; } = Defaults.Jobs;
    public string? PgBin { get; init; }
}

public enum VerifySelection { File, Latest, All }

/// <summary>The verdict on one backup, with a line per problem.</summary>
public sealed record VerifyResult(string Stem, bool Passed, bool Deep, IReadOnlyList<string> Problems, string Summary);

/// <summary>Every verdict of one `lifeboat verify`.</summary>
public sealed record VerifyReport(IReadOnlyList<VerifyResult> Results)
{
    public int Failed => Results.Count(r => !r.Passed);
    public bool Passed => Failed == 0;
}
