using System.Text;

namespace Lifeboat.Core.Restore;

/// <summary>
/// A custom-format archive that pg_dump wrote to a pipe (as every zstd backup is) has no data offsets in its table
/// of contents, so each `pg_restore --jobs` worker scans the file for its block: measured 0.8 s of 11 on the bench.
/// After decompressing to the temporary copy we find each data block and write its offset into the TOC, in place
/// (the fields have a fixed size), exactly as pg_dump does when it writes to a file.
/// Format: src/bin/pg_dump/pg_backup_archiver.c (WriteHead, WriteToc) and pg_backup_custom.c, archive versions 1.14
/// (PostgreSQL 15) and 1.15 (16); any other archive is left as it is and pg_restore scans, as before.
/// </summary>
public static class ArchiveOffsets
{
    private const byte BlockData = 1, BlockLargeObjects = 3;
    private const byte OffsetNotSet = 1, OffsetSet = 2;

    /// <summary>Returns how many TOC entries got their offset, or -1 when the archive was not one this understands.</summary>
    public static int Patch(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        var reader = new Reader(file);
        var fields = reader.ReadTocOffsetFields();
        if (fields is null)
            return -1;
        var blocks = reader.FindDataBlocks();
        if (blocks is null)
            return -1;

        var patched = 0;
        foreach (var (dumpId, fieldPosition, flag) in fields)
        {
            if (flag != OffsetNotSet || !blocks.TryGetValue(dumpId, out var offset))
                continue;
            file.Position = fieldPosition;
            file.WriteByte(OffsetSet);
            for (var i = 0; i < reader.OffsetSize; i++)
            {
                file.WriteByte((byte)(offset & 0xFF));
                offset >>= 8;
            }
            patched++;
        }
        return patched;
    }

    private sealed class Reader(FileStream file)
    {
        private int _intSize;
        public int OffsetSize { get; private set; }

        /// <summary>(dumpId, position of its offset field, offset flag) for every TOC entry; null if the header is not understood.</summary>
        public List<(int DumpId, long Position, byte Flag)>? ReadTocOffsetFields()
        {
            Span<byte> magic = stackalloc byte[5];
            if (file.Read(magic) != 5 || Encoding.ASCII.GetString(magic) != "PGDMP")
                return null;
            int major = Byte(), minor = Byte();
            Byte(); // revision
            _intSize = Byte();
            OffsetSize = Byte();
            var format = Byte();
            if (major != 1 || minor is < 14 or > 15 || format != 1 || _intSize is < 1 or > 8 || OffsetSize is < 1 or > 8)
                return null;
            if (minor >= 15)
                Byte(); // compression algorithm
            else
                Int(); // compression level
            for (var i = 0; i < 7; i++)
                Int(); // creation time
            SkipStr(); // database
            SkipStr(); // server version
            SkipStr(); // pg_dump version

            var count = Int();
            var fields = new List<(int, long, byte)>(count);
            for (var i = 0; i < count; i++)
            {
                var dumpId = Int();
                Int(); // has a data dumper
                for (var s = 0; s < 13; s++)
                {
                    // tableoid, oid, tag, desc, (section is an int, read below), defn, dropStmt, copyStmt,
                    // namespace, tablespace, tableam, owner, "false" (withOids)
                    if (s == 4)
                        Int();
                    else
                        SkipStr();
                }
                while (SkipStr()) { } // dependencies, ended by a null string
                var position = file.Position;
                var flag = (byte)Byte();
                file.Seek(OffsetSize, SeekOrigin.Current);
                fields.Add((dumpId, position, flag));
            }
            return fields;
        }

        /// <summary>The file position of each data block, by dump id; null on anything unexpected.</summary>
        public Dictionary<int, long>? FindDataBlocks()
        {
            var blocks = new Dictionary<int, long>();
            while (true)
            {
                var position = file.Position;
                var type = file.ReadByte();
                if (type < 0)
                    return blocks;
                var dumpId = Int();
                blocks[dumpId] = position;
                if (type == BlockData)
                    SkipChunks();
                else if (type == BlockLargeObjects)
                {
                    while (Int() != 0) // one large object: its oid, then its chunks
                        SkipChunks();
                }
                else
                    return null;
                if (file.Position > file.Length)
                    return null;
            }
        }

        private void SkipChunks()
        {
            int length;
            while ((length = Int()) != 0)
            {
                if (length < 0)
                    throw new InvalidDataException("negative chunk length");
                file.Seek(length, SeekOrigin.Current);
            }
        }

        private int Byte()
        {
            var b = file.ReadByte();
            return b < 0 ? throw new EndOfStreamException() : b;
        }

        /// <summary>pg_dump's ReadInt: a sign byte, then intSize bytes, least significant first.</summary>
        private int Int()
        {
            var negative = Byte() != 0;
            long value = 0;
            for (var i = 0; i < _intSize; i++)
                value |= (long)Byte() << (8 * i);
            return (int)(negative ? -value : value);
        }

        /// <summary>pg_dump's ReadStr, skipped; false for the null string (length -1).</summary>
        private bool SkipStr()
        {
            var length = Int();
            if (length < 0)
                return false;
            file.Seek(length, SeekOrigin.Current);
            return true;
        }
    }
}
