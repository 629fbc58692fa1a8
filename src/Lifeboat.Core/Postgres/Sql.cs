namespace Lifeboat.Core.Postgres;

/// <summary>Quoting for the few statements that cannot take parameters (identifiers, DDL literals).</summary>
public static class Sql
{
    public static string Ident(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>"name=value" from setconfig as an ALTER … SET clause. List settings keep their stored quoting, as pg_dump does.</summary>
    public static string SetClause(string setting)
    {
        var eq = setting.IndexOf('=');
        var name = setting[..eq];
        var value = setting[(eq + 1)..];
        return ListSettings.Contains(name)
            ? $"SET {name} TO {value}"
            : $"SET {Ident(name)} TO {Literal(value)}";
    }

    // GUC_LIST_QUOTE settings: stored as a list of already-quoted identifiers (pg_dump's makeAlterConfigCommand).
    private static readonly HashSet<string> ListSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        "search_path", "temp_tablespaces", "session_preload_libraries", "shared_preload_libraries", "local_preload_libraries",
    };
}
