using Spectre.Console;
using Spectre.Console.Rendering;

namespace Lifeboat.Cli.Output;

/// <summary>
/// The console as Spectre's prompts see it: output goes to the terminal's console unchanged, keys come through
/// <see cref="Terminal.ReadKeyAsync"/> so that a cancelled token ends the wait (Spectre's own input returns nothing
/// and its list asks again, for ever), and <paramref name="mapKey"/> may stand one key for another ("q" for Esc).
/// </summary>
public sealed class PromptConsole(IAnsiConsole inner, Func<ConsoleKeyInfo, ConsoleKeyInfo>? mapKey = null) : IAnsiConsole, IAnsiConsoleInput
{
    public Profile Profile => inner.Profile;
    public IAnsiConsoleCursor Cursor => inner.Cursor;
    public IAnsiConsoleInput Input => this;
    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;
    public RenderPipeline Pipeline => inner.Pipeline;
    public void Clear(bool home) => inner.Clear(home);
    public void Write(IRenderable renderable) => inner.Write(renderable);
    public void WriteAnsi(Action<AnsiWriter> action) => inner.WriteAnsi(action);

    public bool IsKeyAvailable() => inner.Input.IsKeyAvailable();

    public ConsoleKeyInfo? ReadKey(bool intercept) => inner.Input.ReadKey(intercept) is { } key ? Map(key) : null;

    public async Task<ConsoleKeyInfo?> ReadKeyAsync(bool intercept, CancellationToken cancellationToken) =>
        Map(await Terminal.ReadKeyAsync(cancellationToken));

    private ConsoleKeyInfo Map(ConsoleKeyInfo key) => mapKey is null ? key : mapKey(key);
}
