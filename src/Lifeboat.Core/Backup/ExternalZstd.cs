using CliWrap;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Backup;

/// <summary>
/// The zstd program as a pipe stage: measured faster than the managed port on the dump path (see bench/),
/// so it is used when it is on PATH; ZstdSharp is the fallback.
/// </summary>
public static class ExternalZstd
{
    private static readonly Lazy<string?> Location = new(Find);

    public static string? Path => Environment.GetEnvironmentVariable("LIFEBOAT_ZSTD") == "managed" ? null : Location.Value;

    /// <summary>A pipe target that compresses everything written to it into <paramref name="output"/>.</summary>
    public static PipeTarget CompressInto(string zstd, Stream output) => PipeTarget.Create(async (input, ct) =>
    {
        var stderr = new System.Text.StringBuilder();
        var result = await Cli.Wrap(zstd)
            .WithArguments(["-q", "-c", $"-{CompressionStreams.ZstdLevel}", $"-T{Environment.ProcessorCount}"])
            .WithStandardInputPipe(PipeSource.FromStream(input))
            .WithStandardOutputPipe(PipeTarget.ToStream(output))
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        if (result.ExitCode != 0)
            throw new ToolFailedException("zstd", result.ExitCode, stderr.ToString().Trim());
    });

    /// <summary>
    /// Compresses what arrives in <paramref name="inputFile"/> (the dump's named pipe) straight into <paramref name="outputFile"/>:
    /// the compressed bytes need not pass through this process either (measured: that pass cost about 0.5 s of CPU per
    /// 100 MB written, on a 2-core machine where the dump competes for it). The file is hashed afterwards, from the page cache.
    /// </summary>
    public static async Task CompressFileAsync(string zstd, string inputFile, string outputFile, CancellationToken ct)
    {
        var stderr = new System.Text.StringBuilder();
        var result = await Cli.Wrap(zstd)
            .WithArguments(["-q", "-f", $"-{CompressionStreams.ZstdLevel}", $"-T{Environment.ProcessorCount}", inputFile, "-o", outputFile])
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        if (result.ExitCode != 0)
        {
            var message = stderr.ToString().Trim();
            if (message.Contains("No space left", StringComparison.OrdinalIgnoreCase))
                throw new IOException(message); // "No space left on device": DiskFull.Is recognises it
            throw new ToolFailedException("zstd", result.ExitCode, message);
        }
    }

    /// <summary>Decompresses a whole file into another; the copy is made 0600 right after.</summary>
    public static async Task DecompressFileAsync(string zstd, string source, string target, CancellationToken ct)
    {
        var stderr = new System.Text.StringBuilder();
        var result = await Cli.Wrap(zstd)
            .WithArguments(["-d", "-q", "-f", "-o", target, source])
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        if (result.ExitCode != 0)
        {
            var message = stderr.ToString().Trim();
            if (message.Contains("No space left", StringComparison.OrdinalIgnoreCase))
                throw DiskFull.Error("decompress the backup to", target);
            throw new LifeboatException($"unable to decompress '{source}': {message}", "the archive is damaged; choose another backup", ExitCodes.Integrity);
        }
    }

    private static string? Find()
    {
        var exe = OperatingSystem.IsWindows() ? "zstd.exe" : "zstd";
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, exe)).FirstOrDefault(File.Exists);
    }
}
