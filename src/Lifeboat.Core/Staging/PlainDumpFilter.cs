using System.Text;
using CliWrap;

namespace Lifeboat.Core.Staging;

/// <summary>
/// psql has no --no-owner/--no-privileges: drop pg_dump's ownership and privilege statements from a plain dump
/// on its way to psql. Only statements at the top level go: COPY data, quoted strings and dollar-quoted function
/// bodies pass untouched, and so does every byte (the dump is in the database's own encoding, not always UTF-8).
/// </summary>
public static class PlainDumpFilter
{
    /// <param name="extensionsFromTemplate">
    /// Also drop DROP EXTENSION IF EXISTS (from pg_dump --clean) and COMMENT ON EXTENSION: only the extension's owner
    /// may run them, and an extension the staging database got from its template (a superuser's) must stay, with the
    /// comment it has already.
    /// </param>
    public static PipeSource Without(Stream plainSql, bool owners, bool privileges, bool extensionsFromTemplate = false) => PipeSource.Create(async (destination, ct) =>
    {
        // Latin-1 maps each byte to one char and back: the filter never changes a byte it keeps, whatever the encoding.
        using var reader = new StreamReader(plainSql, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        await using var writer = new StreamWriter(destination, Encoding.Latin1, bufferSize: 1 << 16) { NewLine = "\n" };
        var lines = new LineReader();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var kind = lines.Classify(line);
            if (kind == LineKind.Statement && (Dropped(line, owners, privileges) || (extensionsFromTemplate && ExtensionStatement(line))))
                continue;
            if (kind is LineKind.Statement or LineKind.Quoted)
                lines.Read(line);
            await writer.WriteLineAsync(line);
        }
    });

    /// <summary>
    /// What a plain dump's top-level statements need, read the way <see cref="Without"/> reads (COPY data and quoted
    /// bodies are not statements): the roles of its `ALTER … OWNER TO`, and the tables it loads rows into (COPY) but
    /// does not create, which are extensions' configuration tables.
    /// </summary>
    public static async Task<ArchiveNeeds> NeedsAsync(Stream plainSql, CancellationToken ct)
    {
        var owners = new HashSet<string>(StringComparer.Ordinal);
        var created = new HashSet<string>(StringComparer.Ordinal);
        var loaded = new List<string>();
        using var reader = new StreamReader(plainSql, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var lines = new LineReader();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var kind = lines.Classify(line);
            if (kind == LineKind.CopyStart)
                loaded.Add(line["COPY ".Length..].Split(' ')[0]);
            else if (kind == LineKind.Statement && Dropped(line, owners: true, privileges: false))
            {
                if (ArchiveOwners.OwnerOf(line) is { } owner)
                    owners.Add(owner);
            }
            else if (kind is LineKind.Statement or LineKind.Quoted)
            {
                if (kind == LineKind.Statement && TableCreated(line) is { } table)
                    created.Add(table);
                lines.Read(line);
            }
        }
        return new ArchiveNeeds(owners, loaded.Where(t => !created.Contains(t)).Select(ArchiveOwners.FromLatin1).Distinct().ToList());
    }

    /// <summary>The qualified name in pg_dump's `CREATE [UNLOGGED] TABLE schema.name (`, as it writes it.</summary>
    private static string? TableCreated(string line)
    {
        foreach (var prefix in (string[])["CREATE TABLE ", "CREATE UNLOGGED TABLE "])
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
                return line[prefix.Length..].Split(' ')[0];
        }
        return null;
    }

    private static bool ExtensionStatement(string line) =>
        line.StartsWith("COMMENT ON EXTENSION ", StringComparison.Ordinal) || line.StartsWith("DROP EXTENSION IF EXISTS ", StringComparison.Ordinal);

    private static bool Dropped(string line, bool owners, bool privileges) =>
        (owners && line.StartsWith("ALTER ", StringComparison.Ordinal) && line.Contains(" OWNER TO ", StringComparison.Ordinal))
        || (privileges && (line.StartsWith("GRANT ", StringComparison.Ordinal) || line.StartsWith("REVOKE ", StringComparison.Ordinal)
            || line.StartsWith("ALTER DEFAULT PRIVILEGES ", StringComparison.Ordinal)));

    private enum LineKind { CopyData, CopyStart, Statement, Quoted }

    /// <summary>
    /// Tells what each line of a plain dump is: COPY data (to its "\."), the COPY that starts it, a line at the top
    /// level of the SQL (where a statement starts), or a line inside a string or body still open. The caller passes
    /// the SQL lines it keeps to <see cref="Read"/>, so the quoting state follows them.
    /// </summary>
    private sealed class LineReader
    {
        private readonly SqlQuoteState _quotes = new();
        private bool _inCopy;

        public LineKind Classify(string line)
        {
            if (_inCopy)
            {
                _inCopy = line != "\\.";
                return LineKind.CopyData;
            }
            if (_quotes.AtTopLevel && line.StartsWith("COPY ", StringComparison.Ordinal) && line.EndsWith("FROM stdin;", StringComparison.Ordinal))
            {
                _inCopy = true;
                return LineKind.CopyStart;
            }
            return _quotes.AtTopLevel ? LineKind.Statement : LineKind.Quoted;
        }

        public void Read(string line) => _quotes.Read(line);
    }

    /// <summary>Whether the SQL read so far has left a string, a quoted identifier or a dollar-quoted body open.</summary>
    private sealed class SqlQuoteState
    {
        private char _quote; // '\'' or '"' while inside one
        private string? _dollarTag;

        public bool AtTopLevel => _quote == 0 && _dollarTag is null;

        public void Read(string line)
        {
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (_dollarTag is not null)
                {
                    if (c == '$' && string.CompareOrdinal(line, i, _dollarTag, 0, _dollarTag.Length) == 0)
                    {
                        i += _dollarTag.Length - 1;
                        _dollarTag = null;
                    }
                }
                else if (_quote != 0)
                {
                    if (c == _quote)
                    {
                        if (i + 1 < line.Length && line[i + 1] == _quote)
                            i++; // a doubled quote stays inside
                        else
                            _quote = '\0';
                    }
                }
                else if (c == '-' && i + 1 < line.Length && line[i + 1] == '-')
                    return; // a comment to the end of the line
                else if (c is '\'' or '"')
                    _quote = c;
                else if (c == '$' && (i == 0 || !IsIdentifierChar(line[i - 1])) && DollarTagAt(line, i) is { } tag)
                {
                    _dollarTag = tag;
                    i += tag.Length - 1;
                }
            }
        }

        /// <summary>"$$" or "$name$" at <paramref name="start"/>; null for anything else ($1 is a parameter).</summary>
        private static string? DollarTagAt(string line, int start)
        {
            var i = start + 1;
            if (i < line.Length && char.IsDigit(line[i]))
                return null;
            while (i < line.Length && IsIdentifierChar(line[i]))
                i++;
            return i < line.Length && line[i] == '$' ? line[start..(i + 1)] : null;
        }

        private static bool IsIdentifierChar(char c) => char.IsLetterOrDigit(c) || c == '_' || c > 127;
    }
}
