namespace Lifeboat.Core.Pipeline;

/// <summary>
/// One transformation of the archive's bytes, applied on the way to the store and undone on the way back
/// (compression today; encryption is one more stage after it).
/// </summary>
public interface IArchiveStage
{
    /// <summary>A stream that writes the transformed bytes into <paramref name="next"/> (left open); disposing it finishes the output.</summary>
    Stream Encode(Stream next);

    /// <summary>A stream of the original bytes, read from <paramref name="source"/> (which it owns).</summary>
    Stream Decode(Stream source);
}

/// <summary>Compression as a stage: zstd (in-process), gzip, or nothing.</summary>
public sealed class CompressionStage(Manifest.Compression compression) : IArchiveStage
{
    public Manifest.Compression Compression { get; } = compression;

    public Stream Encode(Stream next) => CompressionStreams.Compress(next, Compression);

    public Stream Decode(Stream source) => CompressionStreams.Decompress(source, Compression);
}
