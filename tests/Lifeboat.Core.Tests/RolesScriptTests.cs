using Lifeboat.Core.Backup;
using Lifeboat.Core.Postgres;
using Lifeboat.Core.Tests.Support;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class RolesScriptTests
{
    private static readonly Dictionary<string, string> NoHashes = [];

    private static RoleDefinition Role(string name, params string[] memberOf) => new(
        Oid: 16384, Name: name, Superuser: false, Inherit: true, CreateRole: false, CreateDb: false, Login: true, Replication: false,
        BypassRls: false, ConnectionLimit: -1, ValidUntil: null, MemberOf: memberOf);

    [Fact]
    public void The_roles_given_a_password_hash_are_read_back_from_the_script_whatever_their_names()
    {
        var roles = new[] { Role("app"), Role("read\"ers PASSWORD 'x'"), Role("with \"quote\""), Role("plain") };
        var hashes = new Dictionary<string, string> { ["app"] = "SCRAM-SHA-256$4096:a$b:c", ["with \"quote\""] = "md5abc" };

        var withPasswords = RolesScript.RolesWithPasswords(RolesScript.Build(roles, hashes));

        Assert.Equal(["app", "with \"quote\""], withPasswords.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Missing_roles_are_created_and_existing_ones_are_left_alone()
    {
        var script = RolesScript.Build([Role("app"), Role("reporting")], NoHashes);
        var server = new FakeRoleServer(["postgres", "reporting"]);

        server.Run(script);

        Assert.Equal(["app"], server.Created.Keys);
        Assert.Contains("reporting", server.Roles);
    }

    [Fact]
    public void Each_role_is_created_only_if_pg_roles_does_not_have_it()
    {
        var script = RolesScript.Build([Role("app")], NoHashes);

        Assert.Contains("IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'app') THEN", script);
    }

    [Fact]
    public void The_script_can_run_twice_and_the_second_run_changes_nothing()
    {
        var script = RolesScript.Build([Role("app", "staff"), Role("staff")], NoHashes);
        var server = new FakeRoleServer(["postgres"]);
        server.Run(script);
        server.Created.Clear();
        server.Granted.Clear();

        server.Run(script);

        Assert.Empty(server.Created);
        Assert.Empty(server.Granted);
    }

    [Fact]
    public void A_role_gets_every_attribute_it_had()
    {
        var role = new RoleDefinition(
            Oid: 1, Name: "admin", Superuser: true, Inherit: true, CreateRole: true, CreateDb: true, Login: true, Replication: true,
            BypassRls: true, ConnectionLimit: 5, ValidUntil: "2030-01-01 00:00:00+00", MemberOf: []);
        var server = new FakeRoleServer([]);

        server.Run(RolesScript.Build([role], NoHashes));

        Assert.Equal(
            "CREATE ROLE \"admin\" WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS CONNECTION LIMIT 5 VALID UNTIL '2030-01-01 00:00:00+00'",
            server.Created["admin"]);
    }

    [Fact]
    public void A_role_without_attributes_says_so_explicitly()
    {
        var role = new RoleDefinition(
            Oid: 1, Name: "nobody", Superuser: false, Inherit: false, CreateRole: false, CreateDb: false, Login: false, Replication: false,
            BypassRls: false, ConnectionLimit: -1, ValidUntil: null, MemberOf: []);
        var server = new FakeRoleServer([]);

        server.Run(RolesScript.Build([role], NoHashes));

        Assert.Equal(
            "CREATE ROLE \"nobody\" WITH NOSUPERUSER NOINHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1",
            server.Created["nobody"]);
    }

    [Fact]
    public void A_password_is_set_only_for_a_role_whose_hash_was_given()
    {
        const string hash = "SCRAM-SHA-256$4096:c2FsdHNhbHRzYWx0$c3RvcmVka2V5:c2VydmVya2V5";
        var server = new FakeRoleServer([]);

        server.Run(RolesScript.Build([Role("app"), Role("reporting")], new Dictionary<string, string> { ["app"] = hash }));

        Assert.EndsWith($" PASSWORD '{hash}'", server.Created["app"]);
        Assert.DoesNotContain("PASSWORD", server.Created["reporting"]);
    }

    [Fact]
    public void Without_hashes_the_script_has_no_password_at_all()
    {
        var script = RolesScript.Build([Role("app"), Role("reporting", "app")], NoHashes);

        Assert.DoesNotContain("PASSWORD", script, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_created_role_gets_its_memberships()
    {
        var server = new FakeRoleServer(["staff", "readers"]);

        server.Run(RolesScript.Build([Role("app", "readers", "staff")], NoHashes));

        Assert.Equal([("readers", "app"), ("staff", "app")], server.Granted);
    }

    [Fact]
    public void A_role_that_was_already_there_gets_no_new_memberships()
    {
        var server = new FakeRoleServer(["app", "staff"]);

        server.Run(RolesScript.Build([Role("app", "staff")], NoHashes));

        Assert.Empty(server.Granted);
    }

    [Fact]
    public void A_membership_in_a_role_created_later_in_the_script_is_granted()
    {
        var server = new FakeRoleServer([]);

        server.Run(RolesScript.Build([Role("app", "staff"), Role("staff")], NoHashes));

        Assert.Equal([("staff", "app")], server.Granted);
    }

    [Fact]
    public void A_membership_in_a_role_that_does_not_exist_is_skipped_without_error()
    {
        var server = new FakeRoleServer([]);

        server.Run(RolesScript.Build([Role("app", "gone")], NoHashes));

        Assert.Contains("app", server.Created.Keys);
        Assert.Empty(server.Granted);
    }

    [Theory]
    [InlineData("we\"ird")]
    [InlineData("o'brien")]
    [InlineData("two words")]
    [InlineData("Ünïcødé")]
    [InlineData("a/b")]
    [InlineData("x$lifeboat$y")]
    [InlineData("evil$lifeboat$; DROP DATABASE shop; DO $lifeboat$ BEGIN")]
    public void A_role_with_any_name_is_created_under_exactly_that_name(string name)
    {
        var server = new FakeRoleServer(["staff"]);

        server.Run(RolesScript.Build([Role(name, "staff")], NoHashes));

        Assert.Equal([name], server.Created.Keys);
        Assert.Equal([("staff", name)], server.Granted);
    }

    [Fact]
    public void Role_names_are_quoted_identifiers_and_literals()
    {
        var script = RolesScript.Build([Role("we\"ird o'brien", "my staff")], NoHashes);

        Assert.Contains("CREATE ROLE \"we\"\"ird o'brien\" WITH", script);
        Assert.Contains("rolname = 'we\"ird o''brien'", script);
        Assert.Contains("GRANT \"my staff\" TO \"we\"\"ird o'brien\";", script);
    }

    [Fact]
    public void A_role_named_with_a_slash_does_not_make_other_roles_look_created()
    {
        // "a/b" is created; "a" and "b" were already there and must keep the memberships they have.
        var script = RolesScript.Build([Role("a", "staff"), Role("a/b"), Role("b", "staff")], NoHashes);
        var server = new FakeRoleServer(["a", "b", "staff"]);

        server.Run(script);

        Assert.Equal(["a/b"], server.Created.Keys);
        Assert.Empty(server.Granted);
    }
}
