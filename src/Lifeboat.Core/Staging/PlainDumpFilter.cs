using System.Text;
using CliWrap;

namespace Lifeboat.Core.Staging;

/// <summary>
/// psql has no --no-owner/--no-privileges: drop pg_dump's ownership and privilege statements from a plain dump
/// on its way to psql, leaving COPY data untouched.
/// </summary>
public static class PlainDumpFilter
{
    public static PipeSource Without(Stream plainSql, bool owners, bool privileges) => PipeSource.Create(async (destination, ct) =>
    {
        using var reader = new StreamReader(plainSql, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        await using var writer = new StreamWriter(destination, new UTF8Encoding(false), bufferSize: 1 << 16) { NewLine = "\n" };
        var inCopy = false;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (inCopy)
                inCopy = line != "\\.";
            else if (line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith("FROM stdin;", StringComparison.Ordinal))
                inCopy = true;
            else if (owners && line.StartsWith("ALTER ", StringComparison.Ordinal) && line.Contains(" OWNER TO ", StringComparison.Ordinal))
                continue;
            else if (privileges && (line.StartsWith("GRANT ", StringComparison.Ordinal) || line.StartsWith("REVOKE ", StringComparison.Ordinal)
                || line.StartsWith("ALTER DEFAULT PRIVILEGES ", StringComparison.Ordinal)))
                continue;
            await writer.WriteLineAsync(line);
        }
    });
}
