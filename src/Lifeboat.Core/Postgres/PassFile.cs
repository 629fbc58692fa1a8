namespace Lifeboat.Core.Postgres;

/// <summary>Finds the libpq password file (PGPASSFILE, else ~/.pgpass, else %APPDATA%\postgresql\pgpass.conf).</summary>
public static class PassFile
{
    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("PGPASSFILE") is { Length: > 0 } explicitFile)
            return File.Exists(explicitFile) ? explicitFile : null;
        var path = OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "postgresql", "pgpass.conf")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".pgpass");
        return File.Exists(path) ? path : null;
    }
}
