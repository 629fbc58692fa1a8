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
        var (exitCode, message) = await RunAsync(zstd, ["-q", "-f", $"-{CompressionStreams.ZstdLevel}", $"-T{Environment.ProcessorCount}", "-o", outputFile],
            PipeSource.Create((input, _) => writeInput(input)), ct);
        if (exitCode != 0)
        {
            if (IsDiskFull(message))
                throw new IOException(message); // "No space left on device": DiskFull.Is recognises it
            throw new ToolFailedException("zstd", exitCode, message);
        }
    }

    /// <summary>Decompresses a whole file into another; the copy is made 0600 right after.</summary>
    public static async Task DecompressFileAsync(string zstd, string source, string target, CancellationToken ct)
    {
        var (exitCode, message) = await RunAsync(zstd, ["-d", "-q", "-f", "-o", target, source], PipeSource.Null, ct);
        if (exitCode != 0)
        {
            if (IsDiskFull(message))
                throw DiskFull.Error("decompress the backup to", target);
            throw new LifeboatException($"unable to decompress '{source}': {message}", "the archive is damaged; choose another backup", ExitCodes.Integrity);
        }
    }

    /// <summary>Runs the zstd program; its exit code and stderr.</summary>
    private static async Task<(int ExitCode, string Stderr)> RunAsync(string zstd, string[] args, PipeSource stdin, CancellationToken ct)
    {
        var stderr = new System.Text.StringBuilder();
        var result = await Cli.Wrap(zstd).WithArguments(args).WithStandardInputPipe(stdin)
            .WithStandardErrorPipe(PipeTarget.ToStringBuilder(stderr))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(ct);
        return (result.ExitCode, stderr.ToString().Trim());
    }

    private static bool IsDiskFull(string stderr) => stderr.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    private static string? Find()
    {
        var exe = OperatingSystem.IsWindows() ? "zstd.exe" : "zstd";
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => System.IO.Path.Combine(dir, exe)).FirstOrDefault(File.Exists);
    }
}
