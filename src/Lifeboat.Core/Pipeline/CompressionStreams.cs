using System.IO.Compression;
using ZstdSharp;
using ZstdSharp.Unsafe;
using Lifeboat.Core.Manifest;

namespace Lifeboat.Core.Pipeline;

/// <summary>
/// The compressors of the write path. zstd runs in-process (ZstdSharp, multi-threaded) because pg_dump 15 only
/// has gzip, which makes a compressed dump about five times slower than the dump itself (see bench/).
/// </summary>
public static class CompressionStreams
{
    public const int ZstdLevel = 1;

    /// <summary>A stream that compresses into <paramref name="target"/> (left open); disposing it writes the final frame.</summary>
    public static Stream Compress(Stream target, Compression compression) => compression switch
    {
        Compression.Zstd => Zstd(target),
        Compression.Gzip => new GZipStream(target, CompressionLevel.Fastest, leaveOpen: true),
        _ => new NonClosingStream(target),
    };

    /// <summary>A stream that decompresses <paramref name="source"/>.</summary>
    public static Stream Decompress(Stream source, Compression compression) => compression switch
    {
        Compression.Zstd => new DecompressionStream(source, leaveOpen: false),
        Compression.Gzip => new GZipStream(source, CompressionMode.Decompress, leaveOpen: false),
        _ => source,
    };

    private static CompressionStream Zstd(Stream target)
    {
        var stream = new CompressionStream(target, ZstdLevel, leaveOpen: true);
        stream.SetParameter(ZSTD_cParameter.ZSTD_c_nbWorkers, Math.Max(1, Environment.ProcessorCount));
        return stream;
    }

    /// <summary>Compression "none": pass-through whose disposal leaves the file open for the commit.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
