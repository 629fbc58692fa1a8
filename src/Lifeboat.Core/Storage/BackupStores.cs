namespace Lifeboat.Core.Storage;

/// <summary>Opens the store a location names; services get their stores from here, commands never build one.</summary>
public interface IBackupStores
{
    IBackupStore Open(string location);
}

/// <summary>Today every location is a folder; S3 and Azure locations come with the storage issue.</summary>
public sealed class BackupStores : IBackupStores
{
    public IBackupStore Open(string location) => new LocalFolderStore(location);
}
