using CliWrap;
using Lifeboat.Core.Errors;

namespace Lifeboat.Core.Pipeline;

/// <summary>
/// The zstd program as a pipe stage: measured faster than the managed port on the dump path (see bench/),
/// so it is used when it is on PATH; ZstdSharp is the fallback.
/// </summary>
public static class ExternalZstd
{
    private static readonly Lazy<string?> Location = new(Find);

    public static string? Path => Environment.GetEnvironmentVariable("LIFEBOAT_ZSTD") == "managed" ? null : Location.Value;

    /// <summary>
    /// Compresses what <paramref name="writeInput"/> writes to zstd's standard input straight into <paramref name="outputFile"/>:
    /// the compressed bytes need not pass through this process (measured: that pass cost about 0.5 s of CPU per 100 MB
    /// written, on a 2-core machine where the dump competes for it). The caller hashes the file as it grows (FileHash).
    /// </summary>
    public static async Task CompressToFileAsync(string zstd, Func<Stream, Task> writeInput, string outputFile, CancellationToken ct)
    {
        var stderr = new System.Text.StringBuilder();
        var result = await Cli.Wrap(zstd)
            .WithArguments(["-q", "-f", $"-{CompressionStreams.ZstdLevel}", $"-T{Environment.ProcessorCount}", "-o", outputFile])
            .WithStandardInputPipe(PipeSource.Create((input, _) => writeInput(input)))
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
