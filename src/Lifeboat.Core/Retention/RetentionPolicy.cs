namespace Lifeboat.Core.Retention;

/// <summary>Delete backups older than <see cref="RetentionDays"/>, but never the newest <see cref="KeepLast"/> complete ones (at least one).</summary>
public sealed record RetentionPolicy(int RetentionDays, int KeepLast)
{
    public static readonly RetentionPolicy Default = new(Defaults.RetentionDays, Defaults.KeepLast);
}
