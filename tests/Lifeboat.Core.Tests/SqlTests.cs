using Lifeboat.Core.Postgres;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class SqlTests
{
    [Theory]
    [InlineData("search_path=\"$user\", public", "SET search_path TO \"$user\", public")]
    [InlineData("search_path=app, \"My Schema\", public", "SET search_path TO app, \"My Schema\", public")]
    [InlineData("temp_tablespaces=fast, slow", "SET temp_tablespaces TO fast, slow")]
    [InlineData("session_preload_libraries=auto_explain", "SET session_preload_libraries TO auto_explain")]
    public void A_list_setting_keeps_its_stored_quoting(string setting, string clause)
    {
        Assert.Equal(clause, Sql.SetClause(setting));
    }

    [Theory]
    [InlineData("work_mem=64MB", "SET \"work_mem\" TO '64MB'")]
    [InlineData("statement_timeout=0", "SET \"statement_timeout\" TO '0'")]
    [InlineData("application_name=it's mine", "SET \"application_name\" TO 'it''s mine'")]
    [InlineData("myapp.feature=a=b", "SET \"myapp.feature\" TO 'a=b'")]
    [InlineData("timezone=Europe/Berlin", "SET \"timezone\" TO 'Europe/Berlin'")]
    [InlineData("default_text_search_config=pg_catalog.english", "SET \"default_text_search_config\" TO 'pg_catalog.english'")]
    public void Any_other_setting_is_a_quoted_name_and_literal(string setting, string clause)
    {
        Assert.Equal(clause, Sql.SetClause(setting));
    }

    [Fact]
    public void Identifiers_and_literals_double_their_quotes()
    {
        Assert.Equal("\"shop\"", Sql.Ident("shop"));
        Assert.Equal("\"we\"\"ird\"", Sql.Ident("we\"ird"));
        Assert.Equal("'o''brien'", Sql.Literal("o'brien"));
        Assert.Equal("''", Sql.Literal(""));
    }
}
