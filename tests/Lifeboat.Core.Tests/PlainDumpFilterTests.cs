using System.Text;
using Lifeboat.Core.Staging;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class PlainDumpFilterTests
{
    // The shape of pg_dump --format=plain output, with a COPY block whose rows look like statements.
    private const string Dump = """
        SET statement_timeout = 0;
        CREATE SCHEMA app;
        ALTER SCHEMA app OWNER TO shop_owner;
        CREATE TABLE app.notes (
            id integer NOT NULL,
            body text
        );
        ALTER TABLE app.notes OWNER TO shop_owner;
        CREATE FUNCTION app.touch() RETURNS trigger
            LANGUAGE plpgsql
            AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$;
        ALTER FUNCTION app.touch() OWNER TO shop_owner;
        COPY app.notes (id, body) FROM stdin;
        1	GRANT x
        2	ALTER TABLE t OWNER TO bob;
        3	REVOKE ALL ON t FROM PUBLIC;
        4	ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bob;
        5	COPY other FROM stdin;
        \.
        ALTER TABLE ONLY app.notes
            ADD CONSTRAINT notes_pkey PRIMARY KEY (id);
        REVOKE USAGE ON SCHEMA public FROM PUBLIC;
        GRANT USAGE ON SCHEMA app TO reporting;
        GRANT SELECT ON TABLE app.notes TO reporting;
        ALTER DEFAULT PRIVILEGES FOR ROLE shop_owner IN SCHEMA app GRANT SELECT ON TABLES TO reporting;

        """;

    private static readonly string[] OwnerLines =
    [
        "ALTER SCHEMA app OWNER TO shop_owner;",
        "ALTER TABLE app.notes OWNER TO shop_owner;",
        "ALTER FUNCTION app.touch() OWNER TO shop_owner;",
    ];

    private static readonly string[] PrivilegeLines =
    [
        "REVOKE USAGE ON SCHEMA public FROM PUBLIC;",
        "GRANT USAGE ON SCHEMA app TO reporting;",
        "GRANT SELECT ON TABLE app.notes TO reporting;",
        "ALTER DEFAULT PRIVILEGES FOR ROLE shop_owner IN SCHEMA app GRANT SELECT ON TABLES TO reporting;",
    ];

    private static readonly string[] CopyBlock =
    [
        "COPY app.notes (id, body) FROM stdin;",
        "1\tGRANT x",
        "2\tALTER TABLE t OWNER TO bob;",
        "3\tREVOKE ALL ON t FROM PUBLIC;",
        "4\tALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO bob;",
        "5\tCOPY other FROM stdin;",
        "\\.",
    ];

    [Fact]
    public async Task From_a_template_the_drops_of_and_comments_on_extensions_are_left_out_and_nothing_else()
    {
        const string sql = """
            DROP EXTENSION IF EXISTS dblink;
            CREATE EXTENSION IF NOT EXISTS dblink WITH SCHEMA public;
            COMMENT ON EXTENSION dblink IS 'connect to other PostgreSQL databases from within a database';
            COMMENT ON TABLE public.notes IS 'COMMENT ON EXTENSION x';
            ALTER TABLE public.notes OWNER TO app;
            """;
        var output = PlainDumpFilter.Without(new MemoryStream(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))), false, false, extensionsFromTemplate: true);
        var bytes = new MemoryStream();
        await output.CopyToAsync(bytes, CancellationToken.None);

        Assert.Equal(Lines(sql).Where(l => !l.StartsWith("COMMENT ON EXTENSION", StringComparison.Ordinal) && !l.StartsWith("DROP EXTENSION", StringComparison.Ordinal)), Encoding.UTF8.GetString(bytes.ToArray()).TrimEnd('\n').Split('\n'));
    }

    private static async Task<byte[]> FilterBytes(byte[] input, bool owners, bool privileges)
    {
        var source = PlainDumpFilter.Without(new MemoryStream(input), owners, privileges);
        var output = new MemoryStream();
        await source.CopyToAsync(output, CancellationToken.None);
        return output.ToArray();
    }

    private static async Task<string[]> Filter(string sql, bool owners, bool privileges)
    {
        var bytes = await FilterBytes(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n")), owners, privileges);
        return Encoding.UTF8.GetString(bytes).Split('\n');
    }

    private static string[] Lines(string sql) => sql.ReplaceLineEndings("\n").Split('\n');

    [Fact]
    public async Task Without_owners_the_ownership_statements_are_dropped_and_nothing_else()
    {
        var output = await Filter(Dump, owners: true, privileges: false);

        Assert.Equal(Lines(Dump).Where(l => !OwnerLines.Contains(l)), output);
    }

    [Fact]
    public async Task Without_privileges_grants_revokes_and_default_privileges_are_dropped_and_nothing_else()
    {
        var output = await Filter(Dump, owners: false, privileges: true);

        Assert.Equal(Lines(Dump).Where(l => !PrivilegeLines.Contains(l)), output);
    }

    [Fact]
    public async Task Without_both_only_the_schema_and_data_are_left()
    {
        var output = await Filter(Dump, owners: true, privileges: true);

        Assert.Equal(Lines(Dump).Where(l => !OwnerLines.Contains(l) && !PrivilegeLines.Contains(l)), output);
    }

    [Fact]
    public async Task Asked_to_drop_nothing_it_gives_the_dump_back_unchanged()
    {
        var output = await Filter(Dump, owners: false, privileges: false);

        Assert.Equal(Lines(Dump), output);
    }

    [Fact]
    public async Task Data_rows_that_look_like_statements_survive()
    {
        var output = await Filter(Dump, owners: true, privileges: true);

        var copyAt = Array.IndexOf(output, CopyBlock[0]);
        Assert.True(copyAt >= 0, "the COPY line is kept");
        Assert.Equal(CopyBlock, output.Skip(copyAt).Take(CopyBlock.Length));
    }

    [Fact]
    public async Task Statements_after_the_end_of_the_data_are_filtered_again()
    {
        const string dump = """
            COPY public.a (x) FROM stdin;
            GRANT x
            \.
            GRANT SELECT ON TABLE public.a TO bob;
            COPY public.b (x) FROM stdin;
            ALTER TABLE t OWNER TO bob
            \.
            ALTER TABLE public.b OWNER TO bob;

            """;

        var output = await Filter(dump, owners: true, privileges: true);

        Assert.Equal(
            ["COPY public.a (x) FROM stdin;", "GRANT x", "\\.", "COPY public.b (x) FROM stdin;", "ALTER TABLE t OWNER TO bob", "\\.", ""],
            output);
    }

    [Fact]
    public async Task A_data_row_holding_text_in_the_databases_own_encoding_passes_byte_for_byte()
    {
        // pg_dump writes a plain dump in the database's encoding: "café" in a LATIN1 database is 63 61 66 E9.
        byte[] dump =
        [
            .. Encoding.ASCII.GetBytes("COPY public.menu (name) FROM stdin;\ncaf"), 0xE9, (byte)'\n',
            .. Encoding.ASCII.GetBytes("\\.\nALTER TABLE public.menu OWNER TO bob;\n"),
        ];
        byte[] expected = [.. Encoding.ASCII.GetBytes("COPY public.menu (name) FROM stdin;\ncaf"), 0xE9, .. Encoding.ASCII.GetBytes("\n\\.\n")];

        var output = await FilterBytes(dump, owners: true, privileges: false);

        Assert.Equal(expected, output);
    }

    [Fact]
    public async Task A_function_body_keeps_its_own_grant_lines()
    {
        // A body is the user's text, not a pg_dump statement, even where one of its lines starts with GRANT.
        const string dump = """
            CREATE FUNCTION app.setup() RETURNS void
                LANGUAGE sql
                AS $_$
            GRANT SELECT ON app.notes TO reporting;
            $_$;
            GRANT ALL ON FUNCTION app.setup() TO reporting;

            """;

        var output = await Filter(dump, owners: true, privileges: true);

        Assert.Equal(Lines(dump).Where(l => l != "GRANT ALL ON FUNCTION app.setup() TO reporting;"), output);
    }
}
