using Lifeboat.Core.Staging;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class RestoreErrorClassifierTests
{
    [Theory]
    [InlineData("pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql")]
    [InlineData("pg_restore: error: could not execute query: ERROR:  role \"app\" already exists")]
    [InlineData("pg_restore: error: could not execute query: ERROR:  schema \"public\" already exists")]
    [InlineData("pg_restore: error: could not execute query: ERROR:  extension \"postgis\" already exists")]
    [InlineData("psql:/var/backups/shop_backup_20251024_220005.sql:25: ERROR:  role \"reporting\" already exists")]
    [InlineData("psql:<stdin>:31: ERROR:  extension \"pg_trgm\" already exists")]
    [InlineData("psql:<stdin>:40: ERROR:  must be owner of extension uuid-ossp")]
    public void Known_harmless_errors_are_warnings(string line)
    {
        var (errors, warnings) = RestoreErrorClassifier.Classify(line + "\n");

        Assert.Empty(errors);
        Assert.Equal([line], warnings);
    }

    [Theory]
    [InlineData("pg_restore: error: could not execute query: ERROR:  relation \"public.orders\" does not exist")]
    [InlineData("pg_restore: error: could not execute query: ERROR:  schema \"app\" already exists")] // only "public" is expected to exist
    [InlineData("pg_restore: error: could not execute query: ERROR:  duplicate key value violates unique constraint \"orders_pkey\"")]
    [InlineData("pg_restore: error: could not execute query: ERROR:  permission denied for schema app")]
    [InlineData("pg_restore: error: could not open input file \"/tmp/shop.dump\": No such file or directory")]
    [InlineData("pg_restore: error: connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  database \"shop\" does not exist")]
    [InlineData("psql:<stdin>:120: ERROR:  syntax error at or near \"FOO\"")]
    [InlineData("psql:<stdin>:120: error: connection to server was lost")]
    [InlineData("FATAL:  terminating connection due to administrator command")]
    public void Other_errors_are_errors(string line)
    {
        var (errors, warnings) = RestoreErrorClassifier.Classify(line + "\n");

        Assert.Equal([line], errors);
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_fatal_message_after_psqls_script_location_is_an_error()
    {
        const string line = "psql:<stdin>:1532: FATAL:  terminating connection due to administrator command";

        var (errors, _) = RestoreErrorClassifier.Classify(line + "\n");

        Assert.Equal([line], errors);
    }

    [Theory]
    [InlineData("pg_restore: warning: errors ignored on restore: 3")]
    [InlineData("WARNING: errors ignored on restore: 3")]
    [InlineData("pg_restore: error: errors ignored on restore: 3")]
    [InlineData("pg_restore: creating TABLE \"public.orders\"")]
    [InlineData("pg_restore: while PROCESSING TOC:")]
    [InlineData("pg_restore: from TOC entry 3; 2615 2200 SCHEMA public postgres")]
    [InlineData("Command was: CREATE SCHEMA public;")]
    [InlineData("LINE 1: CREATE SCHEMA public;")]
    [InlineData("DETAIL:  Key (id)=(1) already exists.")]
    [InlineData("HINT:  Must be owner of extension plpgsql.")]
    [InlineData("psql:<stdin>:12: NOTICE:  table \"orders\" does not exist, skipping")]
    [InlineData("psql:<stdin>:7: WARNING:  no privileges were granted for \"public\"")]
    public void Lines_that_report_no_error_are_ignored(string line)
    {
        var (errors, warnings) = RestoreErrorClassifier.Classify(line + "\n");

        Assert.Empty(errors);
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_whole_pg_restore_run_is_split_into_its_errors_and_its_warnings()
    {
        const string stderr = """
            pg_restore: connecting to database for restore
            pg_restore: creating SCHEMA "public"
            pg_restore: while PROCESSING TOC:
            pg_restore: from TOC entry 5; 2615 2200 SCHEMA public pg_database_owner
            pg_restore: error: could not execute query: ERROR:  schema "public" already exists
            Command was: CREATE SCHEMA public;


            pg_restore: creating COMMENT "EXTENSION plpgsql"
            pg_restore: from TOC entry 4310; 0 0 COMMENT EXTENSION plpgsql
            pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql
            Command was: COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';


            pg_restore: creating TABLE "public.orders"
            pg_restore: from TOC entry 220; 1259 16390 TABLE orders shop_owner
            pg_restore: error: could not execute query: ERROR:  type "public.money_amount" does not exist
            LINE 3:     total public.money_amount NOT NULL
                              ^
            Command was: CREATE TABLE public.orders (
                id bigint NOT NULL,
                total public.money_amount NOT NULL
            );

            pg_restore: warning: errors ignored on restore: 3

            """;

        var (errors, warnings) = RestoreErrorClassifier.Classify(stderr.ReplaceLineEndings("\n"));

        Assert.Equal(["pg_restore: error: could not execute query: ERROR:  type \"public.money_amount\" does not exist"], errors);
        Assert.Equal(
            [
                "pg_restore: error: could not execute query: ERROR:  schema \"public\" already exists",
                "pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql",
            ],
            warnings);
    }

    [Fact]
    public void Windows_line_endings_do_not_end_up_in_the_messages()
    {
        var (errors, warnings) = RestoreErrorClassifier.Classify(
            "pg_restore: error: could not execute query: ERROR:  role \"app\" already exists\r\npg_restore: error: could not execute query: ERROR:  relation \"t\" does not exist\r\n");

        Assert.Equal(["pg_restore: error: could not execute query: ERROR:  relation \"t\" does not exist"], errors);
        Assert.Equal(["pg_restore: error: could not execute query: ERROR:  role \"app\" already exists"], warnings);
    }

    [Fact]
    public void Empty_output_has_neither()
    {
        var (errors, warnings) = RestoreErrorClassifier.Classify("");

        Assert.Empty(errors);
        Assert.Empty(warnings);
    }
}
