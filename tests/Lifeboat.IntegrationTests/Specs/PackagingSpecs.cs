using Lifeboat.IntegrationTests.Support;
using Xunit;

namespace Lifeboat.IntegrationTests.Specs;

/// <summary>The README's install: `dotnet pack` then `dotnet tool install` gives a working `lifeboat` command.</summary>
public sealed class PackagingSpecs
{
    [Fact]
    public async Task The_packed_tool_installs_as_a_lifeboat_command_that_runs()
    {
        var work = Directory.CreateTempSubdirectory("lifeboat-pack-");
        try
        {
            var packages = Path.Combine(work.FullName, "nupkg");
            var tools = Path.Combine(work.FullName, "tools");
            // --no-build: scripts/test built the solution in Release just before.
            var pack = await ExternalTool.RunAsync("dotnet", ["pack", Path.Combine(Repository.Root(), "src", "Lifeboat"), "-c", "Release", "--no-build", "-o", packages, "--nologo"],
                timeout: TimeSpan.FromMinutes(3));
            Assert.True(pack.ExitCode == 0, pack.ToString());
            var install = await ExternalTool.RunAsync("dotnet", ["tool", "install", "--tool-path", tools, "--add-source", packages, "Lifeboat"],
                timeout: TimeSpan.FromMinutes(3));
            Assert.True(install.ExitCode == 0, install.ToString());

            var version = await ExternalTool.RunAsync(Path.Combine(tools, "lifeboat"), ["--version"]);
            var help = await ExternalTool.RunAsync(Path.Combine(tools, "lifeboat"), ["backup", "--help"]);

            Assert.True(version.ExitCode == 0, version.ToString());
            Assert.Matches(@"^\d+\.\d+\.\d+", version.StdOut.Trim());
            Assert.True(help.ExitCode == 0, help.ToString());
            Assert.Contains("--backup-dir", help.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
