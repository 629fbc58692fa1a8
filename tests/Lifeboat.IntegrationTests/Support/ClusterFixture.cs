using Xunit;

namespace Lifeboat.IntegrationTests.Support;

/// <summary>One PostgreSQL cluster (with the celestial_template database) shared by every test in the "postgres" collection.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The cluster has not been started.");

    public async Task InitializeAsync() => _server = await PostgresServer.StartAsync(loadFixtureTemplate: true);

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
    }
}

[CollectionDefinition("postgres")]
public class PostgresCollection : ICollectionFixture<ClusterFixture>;
