using System.Reflection;

namespace Lifeboat.Core;

/// <summary>This build's version, recorded in every manifest.</summary>
public static class LifeboatInfo
{
    public static string Version { get; } =
        typeof(LifeboatInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
