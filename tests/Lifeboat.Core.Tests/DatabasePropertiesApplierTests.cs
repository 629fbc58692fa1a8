using Lifeboat.Core.Manifest;
using Lifeboat.Core.Staging;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class DatabasePropertiesApplierTests
{
    private static readonly HashSet<string> AllRoles = ["shop_owner", "app", "reporting", "we\"ird"];

    private static List<string> Statements(DatabaseProperties p, bool noOwner = false, bool noPrivileges = false, ISet<string>? existingRoles = null) =>
        DatabasePropertiesApplier.Statements(p, "shop", noOwner, noPrivileges, existingRoles ?? AllRoles).ToList();

    [Fact]
    public void The_staged_database_gets_the_owner_it_had()
    {
        var p = new DatabaseProperties { Owner = "shop_owner" };

        var statements = Statements(p);

        Assert.Contains("ALTER DATABASE \"shop\" OWNER TO \"shop_owner\"", statements);
    }

    [Fact]
    public void No_owner_is_set_when_asked_not_to()
    {
        var p = new DatabaseProperties { Owner = "shop_owner" };

        var statements = Statements(p, noOwner: true);

        Assert.DoesNotContain(statements, s => s.Contains("OWNER TO", StringComparison.Ordinal));
    }

    [Fact]
    public void No_owner_is_set_when_the_owner_role_does_not_exist_on_this_server()
    {
        var p = new DatabaseProperties { Owner = "gone" };

        var statements = Statements(p);

        Assert.DoesNotContain(statements, s => s.Contains("OWNER TO", StringComparison.Ordinal));
    }

    [Fact]
    public void A_database_without_a_comment_has_its_comment_cleared()
    {
        var p = new DatabaseProperties { Owner = "shop_owner", Comment = null };

        var statements = Statements(p);

        Assert.Contains("COMMENT ON DATABASE \"shop\" IS NULL", statements);
    }

    [Fact]
    public void A_comment_is_a_literal_with_its_quotes_doubled()
    {
        var p = new DatabaseProperties { Owner = "shop_owner", Comment = "O'Brien's shop" };

        var statements = Statements(p);

        Assert.Contains("COMMENT ON DATABASE \"shop\" IS 'O''Brien''s shop'", statements);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(25)]
    public void The_connection_limit_is_set_as_it_was(int limit)
    {
        var p = new DatabaseProperties { Owner = "shop_owner", ConnectionLimit = limit };

        var statements = Statements(p);

        Assert.Contains($"ALTER DATABASE \"shop\" CONNECTION LIMIT {limit}", statements);
    }

    [Fact]
    public void Database_settings_are_set_again_and_list_settings_keep_their_quoting()
    {
        var p = new DatabaseProperties
        {
            Owner = "shop_owner",
            Settings = ["search_path=app, \"My Schema\", public", "work_mem=64MB", "application_name=it's mine"],
        };

        var statements = Statements(p);

        Assert.Contains("ALTER DATABASE \"shop\" SET search_path TO app, \"My Schema\", public", statements);
        Assert.Contains("ALTER DATABASE \"shop\" SET \"work_mem\" TO '64MB'", statements);
        Assert.Contains("ALTER DATABASE \"shop\" SET \"application_name\" TO 'it''s mine'", statements);
    }

    [Fact]
    public void Per_role_settings_are_set_only_for_roles_that_exist()
    {
        var p = new DatabaseProperties
        {
            Owner = "shop_owner",
            RoleSettings =
            [
                new RoleSettings("app", ["statement_timeout=5s", "search_path=\"$user\", public"]),
                new RoleSettings("gone", ["work_mem=1GB"]),
            ],
        };

        var statements = Statements(p);

        Assert.Contains("ALTER ROLE \"app\" IN DATABASE \"shop\" SET \"statement_timeout\" TO '5s'", statements);
        Assert.Contains("ALTER ROLE \"app\" IN DATABASE \"shop\" SET search_path TO \"$user\", public", statements);
        Assert.DoesNotContain(statements, s => s.Contains("\"gone\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Default_privileges_are_left_as_a_new_database_has_them()
    {
        var p = new DatabaseProperties { Owner = "shop_owner", Grants = null };

        var statements = Statements(p);

        Assert.DoesNotContain(statements, s => s.StartsWith("GRANT", StringComparison.Ordinal) || s.StartsWith("REVOKE", StringComparison.Ordinal));
    }

    [Fact]
    public void No_privileges_are_touched_when_asked_not_to()
    {
        var p = new DatabaseProperties { Owner = "shop_owner", Grants = [new DatabaseGrant("app", "CONNECT", false)] };

        var statements = Statements(p, noPrivileges: true);

        Assert.DoesNotContain(statements, s => s.StartsWith("GRANT", StringComparison.Ordinal) || s.StartsWith("REVOKE", StringComparison.Ordinal));
    }

    [Fact]
    public void Privileges_start_from_nothing_and_grant_what_was_there()
    {
        var p = new DatabaseProperties
        {
            Owner = "shop_owner",
            Grants =
            [
                new DatabaseGrant("PUBLIC", "CONNECT", false),
                new DatabaseGrant("app", "CONNECT", false),
                new DatabaseGrant("app", "TEMPORARY", false),
                new DatabaseGrant("reporting", "CREATE", true),
            ],
        };

        var statements = Statements(p);

        var revokePublic = statements.IndexOf("REVOKE ALL ON DATABASE \"shop\" FROM PUBLIC");
        var grants = statements.Where(s => s.StartsWith("GRANT", StringComparison.Ordinal)).ToList();
        Assert.True(revokePublic >= 0, "PUBLIC's default CONNECT and TEMPORARY are revoked");
        Assert.Equal(
            [
                "GRANT CONNECT ON DATABASE \"shop\" TO PUBLIC",
                "GRANT CONNECT ON DATABASE \"shop\" TO \"app\"",
                "GRANT TEMPORARY ON DATABASE \"shop\" TO \"app\"",
                "GRANT CREATE ON DATABASE \"shop\" TO \"reporting\" WITH GRANT OPTION",
            ],
            grants);
        Assert.All(grants, g => Assert.True(statements.IndexOf(g) > revokePublic, $"'{g}' comes after the REVOKE"));
    }

    [Fact]
    public void Grants_to_roles_missing_on_this_server_are_left_out()
    {
        var p = new DatabaseProperties
        {
            Owner = "shop_owner",
            Grants = [new DatabaseGrant("PUBLIC", "CONNECT", false), new DatabaseGrant("gone", "CONNECT", false)],
        };

        var statements = Statements(p, existingRoles: new HashSet<string> { "shop_owner" });

        Assert.Contains("GRANT CONNECT ON DATABASE \"shop\" TO PUBLIC", statements);
        Assert.DoesNotContain(statements, s => s.Contains("\"gone\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Names_with_quotes_are_escaped_everywhere()
    {
        var p = new DatabaseProperties
        {
            Owner = "we\"ird",
            RoleSettings = [new RoleSettings("we\"ird", ["work_mem=8MB"])],
            Grants = [new DatabaseGrant("we\"ird", "CONNECT", false)],
        };

        var statements = DatabasePropertiesApplier.Statements(p, "my \"db\"", false, false, AllRoles).ToList();

        Assert.Contains("ALTER DATABASE \"my \"\"db\"\"\" OWNER TO \"we\"\"ird\"", statements);
        Assert.Contains("ALTER ROLE \"we\"\"ird\" IN DATABASE \"my \"\"db\"\"\" SET \"work_mem\" TO '8MB'", statements);
        Assert.Contains("GRANT CONNECT ON DATABASE \"my \"\"db\"\"\" TO \"we\"\"ird\"", statements);
        Assert.All(statements, s => Assert.DoesNotContain("\"shop\"", s));
    }
}
