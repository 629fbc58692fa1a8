using System.Text.Json;
using Lifeboat.Core.Postgres;
using Xunit;

namespace Lifeboat.Core.Tests.Support;

/// <summary>
/// The real archives in Fixtures/archives (see its README.md): pg_dump 13 to 18 wrote them to a pipe, from one database,
/// whose rows were counted with SQL beside each one.
/// </summary>
public static class ArchiveVectors
{
    /// <summary>Each vector's name (pgN: pg_dump N wrote it) and the archive version that pg_dump writes.</summary>
    public static readonly IReadOnlyDictionary<string, string> VersionOf = new Dictionary<string, string>
    {
        ["pg13"] = "1.14",
        ["pg15"] = "1.14",
        ["pg16"] = "1.15",
        ["pg17"] = "1.16",
        ["pg18"] = "1.16",
    };

    public static TheoryData<string> Names
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var name in VersionOf.Keys)
                names.Add(name);
            return names;
        }
    }

    private static string Folder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "archives");

    public static string PathOf(string vector) => Path.Combine(Folder, vector + ".dump");

    public static byte[] Bytes(string vector) => File.ReadAllBytes(PathOf(vector));

    /// <summary>The rows of each table as <c>SELECT count(*) FROM ONLY</c> counted them on the source (pgN.rows.json).</summary>
    public static Dictionary<(string Schema, string Table), long> ExpectedRows(string vector)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, vector + ".rows.json")));
        return json.RootElement.EnumerateArray().ToDictionary(
            t => (t.GetProperty("schema").GetString()!, t.GetProperty("table").GetString()!), t => t.GetProperty("rows").GetInt64());
    }

    public static DumpArchiveToc? ReadToc(byte[] archive, Action<int>? atOffsetField = null) => ReadToc(new MemoryStream(archive), atOffsetField);

    public static DumpArchiveToc? ReadToc(Stream archive, Action<int>? atOffsetField = null) =>
        DumpArchiveToc.Read(() => archive.ReadByte() is var b and >= 0 ? (byte)b : throw new EndOfStreamException(), atOffsetField);
}

/// <summary>
/// A stream that hands out at most <paramref name="readSize"/> bytes a read, as a pipe does (pg_dump's output arrives in
/// pieces of 64 KiB or less): integers and chunks of the archive then straddle reads wherever they happen to fall.
/// </summary>
public sealed class PieceByPieceStream(byte[] bytes, int readSize) : Stream
{
    private readonly MemoryStream _inner = new(bytes, writable: false);

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, readSize));

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>The bytes of an archive in memory, one at a time from <paramref name="position"/>, as <see cref="DumpArchiveToc"/> reads them.</summary>
public sealed class ByteReader(byte[] bytes, long position)
{
    public byte Next() => position < bytes.Length ? bytes[position++] : throw new EndOfStreamException();

    public long Position => position;
}

/// <summary>Real archives changed in one way a future pg_dump might write them.</summary>
public static class ArchiveVectorEditing
{
    private static readonly byte[] EndMarker = "\\.\n\n\n"u8.ToArray();

    /// <summary>
    /// The archive with the last chunk of each table's data block left out where it is COPY's end marker, "\.\n\n\n"
    /// (pg_dump 13 to 18 write it as a chunk of its own); <paramref name="removed"/> counts them.
    /// The table of contents stays as it is: its data offsets are not set in a piped archive.
    /// </summary>
    public static byte[] WithoutEndMarkers(byte[] archive, out int removed)
    {
        var input = new MemoryStream(archive);
        var toc = ArchiveVectors.ReadToc(input) ?? throw new InvalidDataException("not an archive the reader reads");
        var output = new MemoryStream();
        output.Write(archive, 0, (int)input.Position);
        var reader = new ByteReader(archive, input.Position);
        int Int() => DumpArchiveToc.ReadInt(reader.Next, toc.IntSize);
        void WriteInt(int value)
        {
            output.WriteByte(value < 0 ? (byte)1 : (byte)0);
            var magnitude = Math.Abs((long)value);
            for (var i = 0; i < toc.IntSize; i++)
                output.WriteByte((byte)(magnitude >> (8 * i)));
        }
        List<byte[]> Chunks()
        {
            var chunks = new List<byte[]>();
            int length;
            while ((length = Int()) != 0)
            {
                var chunk = new byte[length];
                for (var i = 0; i < length; i++)
                    chunk[i] = reader.Next();
                chunks.Add(chunk);
            }
            return chunks;
        }
        void WriteChunks(IEnumerable<byte[]> chunks)
        {
            foreach (var chunk in chunks)
            {
                WriteInt(chunk.Length);
                output.Write(chunk);
            }
            WriteInt(0);
        }

        removed = 0;
        while (reader.Position < archive.Length)
        {
            var type = reader.Next();
            var dumpId = Int();
            output.WriteByte(type);
            WriteInt(dumpId);
            if (type == DumpArchiveToc.BlockData)
            {
                var chunks = Chunks();
                if (chunks.Count > 0 && chunks[^1].AsSpan().SequenceEqual(EndMarker))
                {
                    chunks.RemoveAt(chunks.Count - 1);
                    removed++;
                }
                WriteChunks(chunks);
            }
            else if (type == DumpArchiveToc.BlockLargeObjects)
            {
                int oid;
                while ((oid = Int()) != 0)
                {
                    WriteInt(oid);
                    WriteChunks(Chunks());
                }
                WriteInt(0);
            }
            else
                throw new InvalidDataException($"data block of type {type}");
        }
        return output.ToArray();
    }
}
