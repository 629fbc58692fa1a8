using System.Text.RegularExpressions;

namespace Lifeboat.Core.Tests.Support;

/// <summary>
/// Runs a .roles.sql as psql and PostgreSQL would, for the few statements that script is made of: top-level SET and
/// set_config, and DO blocks of IF … THEN CREATE ROLE / PERFORM set_config / GRANT … END IF. Dollar quotes end at the
/// first occurrence of their tag, as in PostgreSQL. Anything else is a syntax error (an exception), like a server's.
/// </summary>
public sealed partial class FakeRoleServer(IEnumerable<string> existingRoles)
{
    private readonly Dictionary<string, string> _settings = [];

    public HashSet<string> Roles { get; } = [.. existingRoles];

    /// <summary>The CREATE ROLE statement each role was created with, by role name.</summary>
    public Dictionary<string, string> Created { get; } = [];

    /// <summary>GRANT parent TO member, in the order they ran.</summary>
    public List<(string Parent, string Member)> Granted { get; } = [];

    /// <summary>Runs the script in a new session (session settings start empty).</summary>
    public void Run(string script)
    {
        _settings.Clear();
        var pos = 0;
        while (true)
        {
            pos = SkipSpaceAndComments(script, pos);
            if (pos >= script.Length)
                return;
            if (script.AsSpan(pos).StartsWith("DO $"))
            {
                var tagStart = pos + 3;
                var tagEnd = script.IndexOf('$', tagStart + 1);
                var tag = script[tagStart..(tagEnd + 1)];
                var bodyEnd = script.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
                if (bodyEnd < 0)
                    throw new InvalidOperationException($"unterminated dollar-quoted string at {pos}");
                var body = script[(tagEnd + 1)..bodyEnd];
                pos = SkipSpaceAndComments(script, bodyEnd + tag.Length);
                if (pos >= script.Length || script[pos] != ';')
                    throw new InvalidOperationException($"syntax error after DO block: {Excerpt(script, pos)}");
                pos++;
                RunDoBlock(body);
            }
            else
            {
                var end = StatementEnd(script, pos);
                RunTopLevel(script[pos..end].Trim());
                pos = end + 1;
            }
        }
    }

    private void RunTopLevel(string statement)
    {
        if (statement == "SET client_min_messages = warning")
            return;
        var m = TopLevelSetConfig().Match(statement);
        if (!m.Success)
            throw new InvalidOperationException($"statement not understood: {statement}");
        _settings[Unquote(m.Groups["name"].Value)] = Unquote(m.Groups["value"].Value);
    }

    private void RunDoBlock(string body)
    {
        var m = DoBody().Match(body);
        if (!m.Success)
            throw new InvalidOperationException($"DO block not understood: {body}");
        if (!Condition(m.Groups["cond"].Value))
            return;
        var statements = m.Groups["then"].Value;
        var pos = 0;
        while ((pos = SkipSpaceAndComments(statements, pos)) < statements.Length)
        {
            var end = StatementEnd(statements, pos);
            RunInBlock(statements[pos..end].Trim());
            pos = end + 1;
        }
    }

    private bool Condition(string condition)
    {
        foreach (var term in SplitOutsideQuotes(condition, " AND "))
        {
            var t = term.Trim();
            bool value;
            if (RoleExists().Match(t) is { Success: true } exists)
                value = Roles.Contains(Unquote(exists.Groups["name"].Value)) != exists.Groups["not"].Success;
            else if (PositionInSetting().Match(t) is { Success: true } position)
                value = Setting(Unquote(position.Groups["setting"].Value)).Contains(Unquote(position.Groups["needle"].Value), StringComparison.Ordinal);
            else
                throw new InvalidOperationException($"condition not understood: {t}");
            if (!value)
                return false;
        }
        return true;
    }

    private void RunInBlock(string statement)
    {
        if (CreateRole().Match(statement) is { Success: true } create)
        {
            var name = UnquoteIdent(create.Groups["name"].Value);
            if (!Roles.Add(name))
                throw new InvalidOperationException($"role \"{name}\" already exists");
            Created[name] = statement;
        }
        else if (AppendSetting().Match(statement) is { Success: true } append)
        {
            var name = Unquote(append.Groups["name"].Value);
            if (Unquote(append.Groups["same"].Value) != name)
                throw new InvalidOperationException($"statement not understood: {statement}");
            _settings[name] = Setting(name) + Unquote(append.Groups["value"].Value);
        }
        else if (Grant().Match(statement) is { Success: true } grant)
        {
            var (parent, member) = (UnquoteIdent(grant.Groups["parent"].Value), UnquoteIdent(grant.Groups["member"].Value));
            if (!Roles.Contains(parent) || !Roles.Contains(member))
                throw new InvalidOperationException($"role in \"{statement}\" does not exist");
            Granted.Add((parent, member));
        }
        else
        {
            throw new InvalidOperationException($"statement not understood: {statement}");
        }
    }

    private string Setting(string name) => _settings.TryGetValue(name, out var value)
        ? value
        : throw new InvalidOperationException($"unrecognized configuration parameter \"{name}\"");

    private static int SkipSpaceAndComments(string text, int pos)
    {
        while (pos < text.Length)
        {
            if (char.IsWhiteSpace(text[pos]))
                pos++;
            else if (text.AsSpan(pos).StartsWith("--"))
                pos = text.IndexOf('\n', pos) is var nl and >= 0 ? nl + 1 : text.Length;
            else
                break;
        }
        return pos;
    }

    /// <summary>The index of the ';' that ends the statement at <paramref name="pos"/>, outside quotes.</summary>
    private static int StatementEnd(string text, int pos)
    {
        char? quote = null;
        for (var i = pos; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } q)
            {
                if (c == q)
                    quote = null; // a doubled quote closes and reopens: the same as staying inside
            }
            else if (c is '\'' or '"')
                quote = c;
            else if (c == ';')
                return i;
        }
        throw new InvalidOperationException($"statement without ';': {Excerpt(text, pos)}");
    }

    private static IEnumerable<string> SplitOutsideQuotes(string text, string separator)
    {
        char? quote = null;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is { } q)
            {
                if (c == q)
                    quote = null;
            }
            else if (c is '\'' or '"')
                quote = c;
            else if (string.CompareOrdinal(text, i, separator, 0, separator.Length) == 0)
            {
                yield return text[start..i];
                start = i + separator.Length;
                i = start - 1;
            }
        }
        yield return text[start..];
    }

    private static string Unquote(string literal) => literal[1..^1].Replace("''", "'", StringComparison.Ordinal);

    private static string UnquoteIdent(string ident) => ident[1..^1].Replace("\"\"", "\"", StringComparison.Ordinal);

    private static string Excerpt(string text, int pos) => text[pos..Math.Min(text.Length, pos + 60)];

    private const string Lit = @"'(?:[^']|'')*'";
    private const string Ident = "\"(?:[^\"]|\"\")*\"";

    [GeneratedRegex(@"^SELECT set_config\((?<name>" + Lit + @"), (?<value>" + Lit + @"), false\)$", RegexOptions.Singleline)]
    private static partial Regex TopLevelSetConfig();

    [GeneratedRegex(@"^\s*BEGIN\s+IF\s+(?<cond>.+?)\s+THEN\s+(?<then>.*?)\s*END IF;\s*END\s*$", RegexOptions.Singleline)]
    private static partial Regex DoBody();

    [GeneratedRegex(@"^(?<not>NOT )?EXISTS \(SELECT FROM pg_catalog\.pg_roles WHERE rolname = (?<name>" + Lit + @")\)$", RegexOptions.Singleline)]
    private static partial Regex RoleExists();

    [GeneratedRegex(@"^position\((?<needle>" + Lit + @") IN current_setting\((?<setting>" + Lit + @")\)\) > 0$", RegexOptions.Singleline)]
    private static partial Regex PositionInSetting();

    [GeneratedRegex(@"^CREATE ROLE (?<name>" + Ident + @") WITH .*$", RegexOptions.Singleline)]
    private static partial Regex CreateRole();

    [GeneratedRegex(@"^PERFORM set_config\((?<name>" + Lit + @"), current_setting\((?<same>" + Lit + @")\) \|\| (?<value>" + Lit + @"), false\)$", RegexOptions.Singleline)]
    private static partial Regex AppendSetting();

    [GeneratedRegex(@"^GRANT (?<parent>" + Ident + @") TO (?<member>" + Ident + @")$", RegexOptions.Singleline)]
    private static partial Regex Grant();
}
