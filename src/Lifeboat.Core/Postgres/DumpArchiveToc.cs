using System.Text;

namespace Lifeboat.Core.Postgres;

/// <summary>
/// The header and table of contents of a pg_dump custom-format archive, read one byte at a time from whatever holds it
/// (a file to patch, a stream passing through). Archive versions 1.14 (pg_dump 12 to 15), 1.15 (16) and 1.16 (17, 18)
/// only, each proven on a real archive (tests/Lifeboat.Core.Tests/Fixtures/archives); anything else reads as null, with
/// the reason, and the callers fall back to what pg_restore and SQL do without it: a layout we guessed at could read
/// another table's name or a wrong offset.
/// Format: src/bin/pg_dump/pg_backup_archiver.c (WriteHead, WriteToc, WriteInt, WriteStr) and pg_backup_custom.c.
/// 1.15 writes the compression algorithm as a byte where 1.14 wrote the level as an int; 1.16 adds an int, the table's
/// relkind, after the table access method (and writes large objects as several BLOB METADATA and BLOBS entries, which
/// changes nothing here: a BLOBS entry still has one data block of type 3).
/// </summary>
public sealed class DumpArchiveToc
{
    public const byte BlockData = 1, BlockLargeObjects = 3;
    public const byte OffsetNotSet = 1, OffsetSet = 2;

    public required int IntSize { get; init; }
    public required int OffsetSize { get; init; }

    /// <summary>pg_dump's own compression was on: the data blocks hold compressed bytes.</summary>
    public required bool Compressed { get; init; }

    public required IReadOnlyList<Entry> Entries { get; init; }

    /// <summary>The archive version, as pg_dump prints it: "1.16".</summary>
    public required string Version { get; init; }

    /// <summary>The pg_dump that wrote the archive, as its --version says: "17.2 (Debian 17.2-1)".</summary>
    public string? DumpedBy { get; init; }

    /// <summary>The encoding pg_dump wrote names and data in (its ENCODING entry: the database's, unless told otherwise).</summary>
    public string? Encoding { get; init; }

    /// <param name="OffsetFlag">Whether pg_dump could write where the entry's data block starts (not when it wrote to a pipe).</param>
    /// <param name="Owner">The role pg_restore makes the object's owner (ALTER … OWNER TO); null or empty when it sets none.</param>
    public sealed record Entry(int DumpId, string? Description, string? Schema, string? Tag, byte OffsetFlag, string? Owner = null);

    /// <param name="readByte">The next byte of the archive; throws <see cref="EndOfStreamException"/> at its end.</param>
    /// <param name="atOffsetField">Called with each entry's dump id just before its data offset field is read (where to patch it).</param>
    public static DumpArchiveToc? Read(Func<byte> readByte, Action<int>? atOffsetField = null) => Read(readByte, out _, atOffsetField);

    /// <param name="unreadable">Why the archive read as null, in words for a log line ("archive version 1.17 is not one
    /// Lifeboat reads"); null when it was read.</param>
    public static DumpArchiveToc? Read(Func<byte> readByte, out string? unreadable, Action<int>? atOffsetField = null)
    {
        Span<byte> magic = stackalloc byte[5];
        for (var i = 0; i < magic.Length; i++)
            magic[i] = readByte();
        if (System.Text.Encoding.ASCII.GetString(magic) != "PGDMP")
        {
            unreadable = "the archive does not begin as a pg_dump custom-format archive";
            return null;
        }
        int major = readByte(), minor = readByte();
        readByte(); // revision
        int intSize = readByte(), offsetSize = readByte(), format = readByte();
        var version = $"{major}.{minor}";
        unreadable = major != 1 || minor is < 14 or > 16 ? $"archive version {version} is not one Lifeboat reads"
            : format != 1 ? $"the archive is of pg_dump format {format}, not the custom format"
            : intSize is < 1 or > 8 || offsetSize is < 1 or > 8 ? $"the archive's integers ({intSize} bytes) or offsets ({offsetSize} bytes) are of a size Lifeboat does not read"
            : null;
        if (unreadable is not null)
            return null;
        int Int() => ReadInt(readByte, intSize);
        byte[]? Str() => ReadStr(readByte, intSize);

        var compressed = minor >= 15 ? readByte() != 0 : Int() != 0; // 1.15: the algorithm; 1.14: the level
        for (var i = 0; i < 7; i++)
            Int(); // creation time
        Str(); // database
        Str(); // server version
        var dumpedBy = Name(Str());

        var count = Int();
        var entries = new List<Entry>(count);
        string? encoding = null;
        for (var i = 0; i < count; i++)
        {
            var dumpId = Int();
            Int(); // has a data dumper
            Str(); // tableoid
            Str(); // oid
            var tag = Name(Str());
            var description = Name(Str());
            Int(); // section
            var definition = Str();
            Str(); // drop statement
            Str(); // copy statement
            var schema = Name(Str());
            Str(); // tablespace
            Str(); // table access method
            if (minor >= 16)
                Int(); // relkind ('r', 'p', …; 0 for what is not a table)
            var owner = Name(Str());
            Str(); // "false" (with oids)
            while (Str() is not null) { } // dependencies, ended by a null string
            atOffsetField?.Invoke(dumpId);
            var flag = readByte();
            for (var b = 0; b < offsetSize; b++)
                readByte();
            entries.Add(new Entry(dumpId, description, schema, tag, flag, owner));
            if (description == "ENCODING" && Name(definition) is { } set) // SET client_encoding = 'UTF8';
                encoding = set.Split('\'') is [_, var name, ..] ? name : null;
        }
        return new DumpArchiveToc
        {
            IntSize = intSize, OffsetSize = offsetSize, Compressed = compressed, Entries = entries, Encoding = encoding, Version = version, DumpedBy = dumpedBy,
        };
    }

    /// <summary>pg_dump's ReadInt: a sign byte, then intSize bytes, least significant first.</summary>
    public static int ReadInt(Func<byte> readByte, int intSize)
    {
        var negative = readByte() != 0;
        long value = 0;
        for (var i = 0; i < intSize; i++)
            value |= (long)readByte() << (8 * i);
        return (int)(negative ? -value : value);
    }

    /// <summary>
    /// The longest TOC string believed: far above any real definition, low enough that a damaged length does not
    /// allocate gigabytes before the stream proves it wrong.
    /// </summary>
    private const int MaxStringBytes = 64 << 20;

    /// <summary>pg_dump's ReadStr: a length, then that many bytes; null for length -1.</summary>
    private static byte[]? ReadStr(Func<byte> readByte, int intSize)
    {
        var length = ReadInt(readByte, intSize);
        if (length < 0)
            return null;
        if (length > MaxStringBytes)
            throw new InvalidDataException($"a table of contents string of {length} bytes");
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
            bytes[i] = readByte();
        return bytes;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A name as text, or null when it is not UTF-8: pg_dump writes names in the database's encoding, and a LATIN1 or
    /// EUC_JP name read as UTF-8 could look like another table's. Such an entry is then treated as unknown.
    /// </summary>
    private static string? Name(byte[]? bytes)
    {
        if (bytes is null)
            return null;
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { return null; }
    }
}
