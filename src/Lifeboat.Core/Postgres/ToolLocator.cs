using CliWrap;
using CliWrap.Buffered;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Postgres;

/// <summary>
/// Finds pg_dump / pg_restore / psql whose major version fits the server: PATH, the usual install folders
/// of Debian, RHEL, Homebrew and Windows, or only --pg-bin when given. Versions are read once per run.
/// </summary>
public sealed class ToolLocator(string? pgBin)
{
    private readonly Dictionary<string, PgVersion?> _versions = new();

    /// <summary>Reads the versions of every candidate for <paramref name="name"/> ahead of <see cref="FindAsync"/>; never fails.</summary>
    public async Task DiscoverAsync(string name, CancellationToken ct)
    {
        try { await FoundAsync(name, ct); }
        catch (OperationCanceledException) { }
    }

    /// <summary>
    /// The tool with the smallest major version at least <paramref name="minimumMajor"/>: a pg_dump much newer
    /// than the server writes SQL the server may not accept (pg_dump 17's transaction_timeout on 15).
    /// </summary>
    public async Task<PgTool> FindAsync(string name, int minimumMajor, CancellationToken ct)
    {
        var found = await FoundAsync(name, ct);
        var fitting = found.Where(t => t.Version.Major >= minimumMajor).OrderBy(t => t.Version.Major).ThenByDescending(t => t.Version.Minor).FirstOrDefault();
        if (fitting is not null)
            return fitting;

        var where = pgBin is null ? "on PATH or in the usual PostgreSQL folders" : $"in --pg-bin '{pgBin}'";
        if (found.Count == 0)
            throw new LifeboatException($"{name} not found {where}; version {minimumMajor} or newer is needed",
                $"install the PostgreSQL {minimumMajor} client (Debian: apt-get install postgresql-client-{minimumMajor}) or point --pg-bin at its bin folder",
                ExitCodes.Tool);
        var versions = string.Join(", ", found.Select(t => $"{t.Version} at {t.Path}"));
        throw new LifeboatException($"{name} is too old for this server: found {versions}; version {minimumMajor} or newer is needed",
            $"install the PostgreSQL {minimumMajor} client (Debian: apt-get install postgresql-client-{minimumMajor}) or point --pg-bin at its bin folder",
            ExitCodes.Tool);
    }

    /// <summary>Every candidate that runs and says its version (read once per path, then cached).</summary>
    private async Task<List<PgTool>> FoundAsync(string name, CancellationToken ct)
    {
        var found = new List<PgTool>();
        foreach (var path in Candidates(name).Distinct(StringComparer.Ordinal))
        {
            if (pgBin is null && IsDebianWrapper(path))
                continue;
            if (await VersionOfAsync(path, ct) is { } version)
                found.Add(new PgTool(name, path, version));
        }
        return found;
    }

    /// <summary>
    /// Debian's /usr/bin/pg_dump is postgresql-common's pg_wrapper, a Perl script that picks a version by its own
    /// rules and costs a Perl start per call; the real programs it points to are in /usr/lib/postgresql/*/bin.
    /// </summary>
    private static bool IsDebianWrapper(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName.EndsWith("pg_wrapper", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; } // a PATH folder this user may not enter
    }

    private IEnumerable<string> Candidates(string name)
    {
        var exe = OperatingSystem.IsWindows() ? name + ".exe" : name;
        if (pgBin is not null)
        {
            yield return Path.Combine(pgBin, exe);
            yield break;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            yield return Path.Combine(dir, exe);
        foreach (var pattern in new[] { "/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin", @"C:\Program Files\PostgreSQL\*\bin" })
        {
            foreach (var dir in ExpandStar(pattern))
                yield return Path.Combine(dir, exe);
        }
    }

    private static IEnumerable<string> ExpandStar(string pattern)
    {
        var star = pattern.IndexOf('*');
        var parent = Path.GetDirectoryName(pattern[..star]) ?? "";
        var prefix = Path.GetFileName(pattern[..star]);
        var rest = pattern[(star + 1)..].TrimStart('/', '\\');
        if (!Directory.Exists(parent))
            return [];
        try
        {
            return Directory.GetDirectories(parent, prefix + "*").Select(d => Path.Combine(d, rest));
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    private async Task<PgVersion?> VersionOfAsync(string path, CancellationToken ct)
    {
        if (_versions.TryGetValue(path, out var cached))
            return cached;
        PgVersion? version = null;
        if (File.Exists(path))
        {
            try
            {
                var result = await Cli.Wrap(path).WithArguments("--version").WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(ct);
                version = PgVersion.ParseToolOutput(result.StandardOutput);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or UnauthorizedAccessException)
            {
                version = null;
            }
        }
        _versions[path] = version;
        return version;
    }
}
