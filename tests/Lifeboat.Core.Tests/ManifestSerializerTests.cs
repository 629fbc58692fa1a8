using System.Text;
using System.Text.Json;
using Lifeboat.Core.Errors;
using Lifeboat.Core.Manifest;
using Xunit;

namespace Lifeboat.Core.Tests;

public sealed class ManifestSerializerTests
{
    private const string Stem = "shop_backup_20251024_220005";

    private static BackupManifest Full() => new()
    {
        LifeboatVersion = "0.2.0",
        Database = "shop",
        Label = "before the migration",
        ServerVersion = "17.2",
        PgDumpVersion = "17.2 (Debian 17.2-1.pgdg120+1)",
        StartedAt = new DateTimeOffset(2025, 10, 24, 22, 0, 5, 123, TimeSpan.FromHours(2)),
        FinishedAt = new DateTimeOffset(2025, 10, 24, 22, 1, 7, 456, TimeSpan.FromHours(2)),
        DurationSeconds = 62.333,
        Format = BackupFormat.Custom,
        Compression = Compression.Zstd,
        Archive = new ManifestFile(Stem + ".dump.zst", 123_456_789_012, new string('a', 64), FileKind.Archive),
        Sidecars =
        [
            new ManifestFile(Stem + ".migrations.sql", 2048, new string('b', 64), FileKind.Migrations),
            new ManifestFile(Stem + ".roles.sql", 512, new string('c', 64), FileKind.Roles),
        ],
        LogFile = Stem + ".log",
        DatabaseSizeBytes = 987_654_321,
        TableCount = 2,
        Tables = [new TableRows("public", "orders", 5_000_000_000), new TableRows("app", "My \"Notes\"", 0)],
        RowCounts = RowCounting.Own,
        Extensions = [new ExtensionInfo("postgis", "3.5.0", "public"), new ExtensionInfo("pg_trgm", "1.6", "extensions")],
        Migration = new MigrationInfo("alembic", "public.alembic_version", "6cdf0b06a3e9"),
        DatabaseProperties = new DatabaseProperties
        {
            Owner = "shop_owner",
            Encoding = "LATIN1",
            Collate = "de_DE.ISO-8859-1",
            Ctype = "de_DE.ISO-8859-1",
            Comment = "O'Brien's shop",
            ConnectionLimit = 25,
            Settings = ["search_path=app, \"My Schema\", public", "work_mem=64MB"],
            RoleSettings = [new RoleSettings("app", ["statement_timeout=5s"])],
            Grants = [new DatabaseGrant("PUBLIC", "CONNECT", false), new DatabaseGrant("reporting", "CREATE", true)],
        },
        Roles = [new RoleInfo("app", CanLogin: true, Superuser: false, MemberOf: ["staff"]), new RoleInfo("staff", false, false, [])],
        RolePasswordsIncluded = true,
        Verification = new VerificationRecord(true, new DateTimeOffset(2025, 10, 25, 3, 0, 0, TimeSpan.Zero), Deep: true, "12 tables, 5000000000 rows match"),
    };

    private static JsonElement Json(BackupManifest manifest) => JsonDocument.Parse(ManifestSerializer.ToUtf8(manifest)).RootElement;

    private static BackupManifest Read(string json, string where = "shop_backup_20251024_220005.json") =>
        ManifestSerializer.FromUtf8(Encoding.UTF8.GetBytes(json), where);

    [Fact]
    public void A_full_manifest_reads_back_exactly_as_it_was_written()
    {
        var written = Full();

        var read = ManifestSerializer.FromUtf8(ManifestSerializer.ToUtf8(written), "test.json");

        Assert.Equal(written.FormatVersion, read.FormatVersion);
        Assert.Equal(written.LifeboatVersion, read.LifeboatVersion);
        Assert.Equal(written.Database, read.Database);
        Assert.Equal(written.Label, read.Label);
        Assert.Equal(written.ServerVersion, read.ServerVersion);
        Assert.Equal(written.PgDumpVersion, read.PgDumpVersion);
        Assert.Equal(written.StartedAt, read.StartedAt);
        Assert.Equal(written.StartedAt.Offset, read.StartedAt.Offset);
        Assert.Equal(written.FinishedAt, read.FinishedAt);
        Assert.Equal(written.DurationSeconds, read.DurationSeconds);
        Assert.Equal(written.Format, read.Format);
        Assert.Equal(written.Compression, read.Compression);
        Assert.Equal(written.Archive, read.Archive);
        Assert.Equal(written.Sidecars, read.Sidecars);
        Assert.Equal(written.LogFile, read.LogFile);
        Assert.Equal(written.DatabaseSizeBytes, read.DatabaseSizeBytes);
        Assert.Equal(written.TableCount, read.TableCount);
        Assert.Equal(written.Tables, read.Tables);
        Assert.Equal(RowCounting.Own, read.RowCounts);
        Assert.Equal(written.Extensions, read.Extensions);
        Assert.Equal(written.Migration, read.Migration);
        Assert.Equal(written.RolePasswordsIncluded, read.RolePasswordsIncluded);
        Assert.Equal(written.Verification, read.Verification);

        var (wp, rp) = (written.DatabaseProperties!, read.DatabaseProperties!);
        Assert.NotNull(rp);
        Assert.Equal((wp.Owner, wp.Encoding, wp.Collate, wp.Ctype, wp.Comment, wp.ConnectionLimit), (rp.Owner, rp.Encoding, rp.Collate, rp.Ctype, rp.Comment, rp.ConnectionLimit));
        Assert.Equal(wp.Settings, rp.Settings);
        Assert.Equal(wp.RoleSettings.Select(r => (r.Role, string.Join('|', r.Settings))), rp.RoleSettings.Select(r => (r.Role, string.Join('|', r.Settings))));
        Assert.Equal(wp.Grants, rp.Grants);
        Assert.Equal(written.Roles.Select(r => (r.Name, r.CanLogin, r.Superuser, string.Join('|', r.MemberOf))),
            read.Roles.Select(r => (r.Name, r.CanLogin, r.Superuser, string.Join('|', r.MemberOf))));
    }

    [Fact]
    public void Writing_what_was_read_gives_the_same_bytes()
    {
        var bytes = ManifestSerializer.ToUtf8(Full());

        var again = ManifestSerializer.ToUtf8(ManifestSerializer.FromUtf8(bytes, "test.json"));

        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(again));
    }

    [Fact]
    public void Enums_are_the_lower_case_words_the_manifest_has_always_used()
    {
        var json = Json(Full());

        Assert.Equal("custom", json.GetProperty("format").GetString());
        Assert.Equal("zstd", json.GetProperty("compression").GetString());
        Assert.Equal("archive", json.GetProperty("archive").GetProperty("kind").GetString());
        Assert.Equal(["migrations", "roles"], json.GetProperty("sidecars").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));
        Assert.Equal("own", json.GetProperty("rowCounts").GetString());
    }

    [Theory]
    [InlineData(BackupFormat.Plain, Compression.Gzip, "plain", "gzip")]
    [InlineData(BackupFormat.Plain, Compression.None, "plain", "none")]
    [InlineData(BackupFormat.Custom, Compression.None, "custom", "none")]
    public void Every_format_and_compression_is_a_lower_case_word(BackupFormat format, Compression compression, string formatWord, string compressionWord)
    {
        var json = Json(Full() with { Format = format, Compression = compression });

        Assert.Equal(formatWord, json.GetProperty("format").GetString());
        Assert.Equal(compressionWord, json.GetProperty("compression").GetString());
    }

    [Fact]
    public void Property_names_are_camel_case()
    {
        var json = Json(Full());

        Assert.Equal(1, json.GetProperty("formatVersion").GetInt32());
        Assert.Equal(JsonValueKind.String, json.GetProperty("startedAt").ValueKind);
        Assert.Equal(JsonValueKind.String, json.GetProperty("rowCounts").ValueKind);
        Assert.Equal(123_456_789_012, json.GetProperty("archive").GetProperty("sizeBytes").GetInt64());
        Assert.Equal("shop_owner", json.GetProperty("databaseProperties").GetProperty("owner").GetString());
        Assert.True(json.GetProperty("rolePasswordsIncluded").GetBoolean());
        Assert.DoesNotContain(json.EnumerateObject(), p => char.IsUpper(p.Name[0]));
    }

    // As Lifeboat 0.1 wrote it: format and kinds as plain strings, no rowCounts, and a "warnings" list since removed.
    private const string ManifestOf01 = """
        {
          "formatVersion": 1,
          "lifeboatVersion": "0.1.0",
          "database": "shop",
          "label": null,
          "serverVersion": "16.4",
          "pgDumpVersion": "16.4",
          "startedAt": "2025-06-01T02:00:00.5+02:00",
          "finishedAt": "2025-06-01T02:00:09.25+02:00",
          "durationSeconds": 8.75,
          "format": "custom",
          "compression": "zstd",
          "archive": {
            "name": "shop_backup_20250601_020000.dump.zst",
            "sizeBytes": 104857600,
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "kind": "archive"
          },
          "sidecars": [
            {
              "name": "shop_backup_20250601_020000.migrations.sql",
              "sizeBytes": 1200,
              "sha256": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
              "kind": "migrations"
            },
            {
              "name": "shop_backup_20250601_020000.roles.sql",
              "sizeBytes": 640,
              "sha256": "fd61a03af4f77d870fc21e05e7e80678095c92d808cfb3b5c279ee04c74aca13",
              "kind": "roles"
            }
          ],
          "logFile": "shop_backup_20250601_020000.log",
          "databaseSizeBytes": 734003200,
          "tableCount": 2,
          "tables": [
            { "schema": "public", "name": "orders", "rows": 120000 },
            { "schema": "public", "name": "orders_2024", "rows": 80000 }
          ],
          "extensions": [ { "name": "plpgsql", "version": "1.0", "schema": "pg_catalog" } ],
          "migration": { "tool": "alembic", "table": "public.alembic_version", "version": "6cdf0b06a3e9" },
          "databaseProperties": {
            "owner": "shop_owner",
            "encoding": "UTF8",
            "collate": "en_US.UTF-8",
            "ctype": "en_US.UTF-8",
            "comment": null,
            "connectionLimit": -1,
            "settings": [ "search_path=app, public" ],
            "roleSettings": [],
            "grants": null
          },
          "roles": [ { "name": "shop_owner", "canLogin": true, "superuser": false, "memberOf": [] } ],
          "rolePasswordsIncluded": false,
          "warnings": [],
          "verification": null
        }
        """;

    [Fact]
    public void A_manifest_written_by_lifeboat_0_1_still_reads()
    {
        var manifest = Read(ManifestOf01);

        Assert.Equal(1, manifest.FormatVersion);
        Assert.Equal("shop", manifest.Database);
        Assert.Null(manifest.Label);
        Assert.Equal(new DateTimeOffset(2025, 6, 1, 2, 0, 0, 500, TimeSpan.FromHours(2)), manifest.StartedAt);
        Assert.Equal(BackupFormat.Custom, manifest.Format);
        Assert.Equal(Compression.Zstd, manifest.Compression);
        Assert.Equal(FileKind.Archive, manifest.Archive.Kind);
        Assert.Equal(104857600, manifest.Archive.SizeBytes);
        Assert.Equal([FileKind.Migrations, FileKind.Roles], manifest.Sidecars.Select(s => s.Kind));
        Assert.Equal("shop_backup_20250601_020000.roles.sql", manifest.Sidecar(FileKind.Roles)?.Name);
        Assert.Equal([new TableRows("public", "orders", 120000), new TableRows("public", "orders_2024", 80000)], manifest.Tables);
        Assert.Null(manifest.RowCounts); // counted before "own" rows: its counts include partitions
        Assert.Equal("shop_owner", manifest.DatabaseProperties?.Owner);
        Assert.Null(manifest.DatabaseProperties?.Grants);
        Assert.Null(manifest.Verification);
    }

    [Fact]
    public void A_manifest_of_format_2_is_one_whose_archive_pg_dump_compressed_and_reads()
    {
        var json = ManifestOf01.Replace("\"formatVersion\": 1", "\"formatVersion\": 2", StringComparison.Ordinal)
            .Replace("\"format\": \"custom\"", "\"format\": \"custom\", \"pgDumpCompressed\": true", StringComparison.Ordinal);

        var manifest = Read(json);

        Assert.Equal(2, manifest.FormatVersion);
        Assert.True(manifest.PgDumpCompressed);
        Assert.Equal(2, BackupManifest.FormatVersionFor(pgDumpCompressed: true));
        Assert.Equal(1, BackupManifest.FormatVersionFor(pgDumpCompressed: false)); // what every Lifeboat reads
    }

    [Fact]
    public void A_manifest_of_a_newer_format_is_refused_as_an_integrity_problem()
    {
        var json = ManifestOf01.Replace("\"formatVersion\": 1", "\"formatVersion\": 3", StringComparison.Ordinal);

        var e = Assert.Throws<LifeboatException>(() => Read(json, "/backups/shop_backup_20250601_020000.json"));

        Assert.Equal(ExitCodes.Integrity, e.ExitCode);
        Assert.Contains("/backups/shop_backup_20250601_020000.json", e.Message);
        Assert.Contains("newer", e.Message);
        Assert.Contains("upgrade", e.OneLine);
    }

    [Fact]
    public void A_manifest_of_a_newer_format_that_also_uses_new_words_asks_for_an_upgrade()
    {
        // What a newer format version is for: content this version cannot read, e.g. a format it does not know yet.
        var json = ManifestOf01
            .Replace("\"formatVersion\": 1", "\"formatVersion\": 3", StringComparison.Ordinal)
            .Replace("\"format\": \"custom\"", "\"format\": \"directory\"", StringComparison.Ordinal);

        var e = Assert.Throws<LifeboatException>(() => Read(json, "shop_backup_20250601_020000.json"));

        Assert.Equal(ExitCodes.Integrity, e.ExitCode);
        Assert.Contains("newer", e.Message);
        Assert.Contains("upgrade", e.OneLine);
    }

    public static TheoryData<string> Damaged => new()
    {
        "{ \"formatVersion\": 1, \"database\": \"shop\"", // cut off
        "",
        "null",
        "not json at all",
        ManifestOf01.Replace("\"archive\": {", "\"archive\": null, \"x\": {", StringComparison.Ordinal),
        ManifestOf01.Replace("\"format\": \"custom\"", "\"format\": \"Custom!\"", StringComparison.Ordinal),
        ManifestOf01.Replace("\"kind\": \"archive\"", "\"kind\": 0", StringComparison.Ordinal), // enums are words, never numbers
        ManifestOf01.Replace("\"database\": \"shop\",", "", StringComparison.Ordinal), // a required property missing
    };

    [Theory]
    [MemberData(nameof(Damaged))]
    public void A_damaged_manifest_is_refused_as_an_integrity_problem_naming_the_file(string json)
    {
        var e = Assert.Throws<LifeboatException>(() => Read(json, "/backups/shop_backup_20250601_020000.json"));

        Assert.Equal(ExitCodes.Integrity, e.ExitCode);
        Assert.Contains("/backups/shop_backup_20250601_020000.json", e.Message);
        // Plain words: no .NET type names or System.Text.Json's "Path: $ | LineNumber" text.
        Assert.DoesNotContain("Lifeboat.Core", e.Message);
        Assert.DoesNotContain("System.", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Fact]
    public void A_manifest_whose_archive_is_null_is_refused()
    {
        var json = ManifestOf01.Replace("\"archive\": {", "\"archive\": null, \"unused\": {", StringComparison.Ordinal);

        var e = Assert.Throws<LifeboatException>(() => Read(json, "shop_backup_20250601_020000.json"));

        Assert.Equal(ExitCodes.Integrity, e.ExitCode);
        Assert.Contains("shop_backup_20250601_020000.json", e.Message);
        Assert.Contains("damaged", e.OneLine);
    }
}
