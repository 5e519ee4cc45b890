namespace Gateway.Simulator.Tests;

/// <summary>One default simulator shared by the tests of a class, which xunit runs one at a time.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    private RunningSimulator? _simulator;

    public RunningSimulator Simulator => _simulator ?? throw new InvalidOperationException("The fixture has not started.");

    public HttpClient Client => Simulator.Client;

    public async Task InitializeAsync() => _simulator = await RunningSimulator.StartAsync();

    public async Task DisposeAsync()
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }
}
