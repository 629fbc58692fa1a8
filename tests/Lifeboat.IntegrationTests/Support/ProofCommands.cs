using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Xunit;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>
/// The commands that look at and prove backups (verify, list, status, check) run against a workspace's database and
/// folder, and the damage a spec does to a backup on disk before asking them.
/// </summary>
public static class ProofCommands
{
    public static Task<CliResult> VerifyAsync(this RestoreWorkspace ws, params string[] args) =>
        LifeboatCli.RunAsync(["verify", "-d", ws.Database, "--backup-dir", ws.BackupDir, .. args], ws.Env);

    public static Task<CliResult> ListBackupsAsync(this RestoreWorkspace ws, params string[] args) =>
        LifeboatCli.RunAsync(["list", "--backup-dir", ws.BackupDir, .. args], ws.Env);

    /// <summary>`lifeboat list --json`; asserts success and that stdout is a JSON array.</summary>
    public static async Task<JsonArray> ListBackupsJsonAsync(this RestoreWorkspace ws, params string[] args)
    {
        var result = await ws.ListBackupsAsync(["--json", .. args]);
        Assert.True(result.ExitCode == 0, $"list --json failed: {result}");
        var node = JsonNode.Parse(result.StdOut);
        Assert.True(node is JsonArray, $"list --json did not print a JSON array: {result}");
        return node.AsArray();
    }

    public static Task<CliResult> StatusAsync(this RestoreWorkspace ws, params string[] args) =>
        LifeboatCli.RunAsync(["status", "-d", ws.Database, "--backup-dir", ws.BackupDir, .. args], ws.Env);

    public static async Task<JsonObject> StatusJsonAsync(this RestoreWorkspace ws)
    {
        var result = await ws.StatusAsync("--json");
        Assert.True(result.ExitCode == 0, $"status --json failed: {result}");
        return JsonNode.Parse(result.StdOut)!.AsObject();
    }

    /// <summary>`lifeboat check --dbname Database --backup-dir BackupDir` plus <paramref name="args"/>.</summary>
    public static Task<CliResult> CheckAsync(this RestoreWorkspace ws, params string[] args) =>
        LifeboatCli.RunAsync(["check", "--dbname", ws.Database, "--backup-dir", ws.BackupDir, .. args], ws.Env);

    /// <summary>Scratch databases of deep verifies anywhere on the server (whatever database they came from).</summary>
    public static Task<IReadOnlyList<string>> VerifyScratchDatabasesAsync(this RestoreWorkspace ws) =>
        ws.ListAsync("postgres", @"SELECT datname FROM pg_database WHERE datname LIKE '%\_\_lifeboat\_verify\_%' ORDER BY datname");

    /// <summary>The manifest as it is on disk now (after verify rewrote it, say).</summary>
    public static JsonObject ManifestJson(this BackupOnDisk backup) => JsonNode.Parse(File.ReadAllText(backup.ManifestPath))!.AsObject();

    /// <summary>The <c>verification</c> object of the manifest on disk; null when it was never verified.</summary>
    public static JsonObject? VerificationJson(this BackupOnDisk backup) => backup.ManifestJson()["verification"] as JsonObject;

    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}

/// <summary>Damage a spec does to an archive, named so a theory can take it as data.</summary>
public enum ArchiveDamage
{
    /// <summary>One bit of the middle byte flipped, as a bad disk does: the size stays the same.</summary>
    OneFlippedBit,

    /// <summary>Only the first half left, like a copy that stopped half-way.</summary>
    CutInHalf,
}

/// <summary>Damage a spec does to a manifest, named so a theory can take it as data.</summary>
public enum ManifestDamage
{
    /// <summary>Only the first half of the file left: no longer JSON.</summary>
    CutInHalf,

    /// <summary>Valid JSON whose "archive" is null (a bad hand edit, a broken sync).</summary>
    ArchiveEntryNull,
}

/// <summary>Damage done to a backup's files, as a bad disk, a full disk or a careless copy would.</summary>
public static class Damage
{
    public static void Apply(ArchiveDamage damage, string path)
    {
        switch (damage)
        {
            case ArchiveDamage.OneFlippedBit:
                FlipOneBit(path);
                break;
            case ArchiveDamage.CutInHalf:
                Truncate(path, 0.5);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }

    public static void Apply(ManifestDamage damage, BackupOnDisk backup)
    {
        switch (damage)
        {
            case ManifestDamage.CutInHalf:
                var manifest = File.ReadAllText(backup.ManifestPath);
                File.WriteAllText(backup.ManifestPath, manifest[..(manifest.Length / 2)]);
                break;
            case ManifestDamage.ArchiveEntryNull:
                backup.EditManifest(json => json["archive"] = null);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }

    /// <summary>Flips the lowest bit of the byte at <paramref name="fraction"/> of the file's length; the size stays the same.</summary>
    public static void FlipOneBit(string path, double fraction = 0.5) => XorByteAt(path, fraction, 0x01);

    /// <summary>Inverts every bit of the byte at <paramref name="fraction"/> of the file's length; the size stays the same.</summary>
    public static void FlipByte(string path, double fraction = 0.5) => XorByteAt(path, fraction, 0xFF);

    static void XorByteAt(string path, double fraction, byte mask)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var offset = (long)(file.Length * fraction);
        file.Position = offset;
        var original = file.ReadByte();
        Assert.True(original >= 0, $"{path} has no byte at {offset}");
        file.Position = offset;
        file.WriteByte((byte)(original ^ mask));
    }

    /// <summary>Cuts the file to <paramref name="fraction"/> of its length, like a copy that stopped half-way.</summary>
    public static long Truncate(string path, double fraction = 0.5)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var length = (long)(file.Length * fraction);
        file.SetLength(length);
        return length;
    }

    /// <summary>
    /// Makes the manifest agree with the archive as it is now (size and SHA-256), so that only a check of the
    /// archive's content can tell it is damaged.
    /// </summary>
    public static void RecordArchiveAsIs(BackupOnDisk backup)
    {
        var length = new FileInfo(backup.ArchivePath).Length;
        var sha = ProofCommands.Sha256Of(backup.ArchivePath);
        backup.EditManifest(json =>
        {
            json["archive"]!["sizeBytes"] = length;
            json["archive"]!["sha256"] = sha;
        });
    }
}
