namespace Lifeboat.IntegrationTests.Support;

/// <summary>The checkout the tests run from, for the specs that build it as a user would (pack, publish).</summary>
public static class Repository
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lifeboat.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("the repository root (Lifeboat.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
