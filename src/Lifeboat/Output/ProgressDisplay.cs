using Lifeboat.Core;
using Lifeboat.Core.Reporting;
using Spectre.Console;

namespace Lifeboat.Cli.Output;

/// <summary>Turns an operation's events into what a user sees: a status line (backup), or a line per step (restore, verify).</summary>
public static class ProgressDisplay
{
    /// <summary>
    /// Step and bytes written on one status line, on a terminal only. The line appears with the first step, which comes
    /// after the login: a password prompt is never inside the display. Warnings go to stderr as they are raised
    /// (those raised while the status line is up right after it, so they do not tear it), on a terminal or not.
    /// </summary>
    public static async Task<T> StatusLineAsync<T>(Terminal terminal, string title, Func<IProgress<OperationEvent>?, Task<T>> work)
    {
        if (!Terminal.IsInteractive)
            return await work(new Events(e =>
            {
                if (e is WarningRaised w)
                    terminal.Warning(w.Message);
            }));
        var started = DateTime.UtcNow;
        var firstStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        string step = "starting";
        long bytes = 0;
        var held = new List<string>();
        var progress = new Events(e =>
        {
            switch (e)
            {
                case StepStarted s:
                    step = s.Message;
                    firstStep.TrySetResult();
                    break;
                case BytesWritten b:
                    Interlocked.Exchange(ref bytes, b.Bytes);
                    break;
                case WarningRaised w when !firstStep.Task.IsCompleted:
                    terminal.Warning(w.Message);
                    break;
                case WarningRaised w:
                    lock (held)
                        held.Add(w.Message);
                    break;
            }
        });
        var running = work(progress);
        await Task.WhenAny(running, firstStep.Task);
        try
        {
            if (running.IsCompleted)
                return await running;
            return await terminal.Out.Status().StartAsync($"{title}…", async ctx =>
            {
                while (!running.IsCompleted)
                {
                    ctx.Status(Markup.Escape($"{title}: {step}, {Units.Bytes(Interlocked.Read(ref bytes))} written, {Units.Duration(DateTime.UtcNow - started)} elapsed"));
                    await Task.WhenAny(running, Task.Delay(200));
                }
                return await running;
            });
        }
        finally
        {
            lock (held)
                foreach (var warning in held)
                    terminal.Warning(warning);
        }
    }

    /// <summary>A line per step, with the time when <paramref name="timestamps"/>; warnings on stderr.</summary>
    public static IProgress<OperationEvent> StepLines(Terminal terminal, bool timestamps) => new Events(e =>
    {
        switch (e)
        {
            case StepStarted s when timestamps:
                terminal.Out.MarkupLine($"[grey]{Markup.Escape(DateTime.Now.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))}[/] {Markup.Escape(s.Message)}");
                break;
            case StepStarted s:
                terminal.Out.MarkupLine($"[grey]{Markup.Escape(s.Message)}[/]");
                break;
            case WarningRaised w:
                terminal.Warning(w.Message);
                break;
        }
    });

    /// <summary>Events handled as they happen, on the reporting thread (Progress&lt;T&gt; would post them and lose their order).</summary>
    private sealed class Events(Action<OperationEvent> handle) : IProgress<OperationEvent>
    {
        private readonly Lock _lock = new();

        public void Report(OperationEvent value)
        {
            lock (_lock)
                handle(value);
        }
    }
}
