namespace Lifeboat.Core.Postgres;

/// <summary>One located PostgreSQL client program and its version.</summary>
public sealed record PgTool(string Name, string Path, PgVersion Version)
{
    public override string ToString() => $"{Name} {Version} ({Path})";
}
