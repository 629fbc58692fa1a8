using System.Text;
using Lifeboat.Core.Staging;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class ArchiveOwnersTests
{
    private static Stream Dump(string sql) => new MemoryStream(Encoding.UTF8.GetBytes(sql));

    [Fact]
    public async Task The_needs_of_a_plain_dump_are_its_top_level_ALTER_OWNER_TO_roles_and_the_tables_it_loads_without_creating_them()
    {
        const string sql = """"
            CREATE TABLE public.notes (id integer, body text);
            CREATE TABLE "Odd"."Ünï" (id integer);
            ALTER TABLE public.notes OWNER TO app;
            CREATE FUNCTION public.f() RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
            ALTER TABLE public.notes OWNER TO in_a_body;
            END $$;
            ALTER FUNCTION public.f() OWNER TO "Ünïcode ""role""";
            COPY public.notes (id, body) FROM stdin;
            1	ALTER TABLE x OWNER TO in_the_data;
            \.
            ALTER SCHEMA app OWNER TO postgres;
            COPY "Odd"."Ünï" (id) FROM stdin;
            \.
            COPY public.spatial_ref_sys (srid, auth_name) FROM stdin;
            \.
            """";

        var needs = await PlainDumpFilter.NeedsAsync(Dump(sql), CancellationToken.None);

        Assert.Equal(["app", "postgres", "Ünïcode \"role\""], needs.Owners.Order(StringComparer.Ordinal));
        Assert.Equal(["public.spatial_ref_sys"], needs.ConfigurationData);
    }
}
