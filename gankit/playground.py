"""A GAN Lab in the notebook: step D or G by hand, or run, while changing k, learning rates, G's
loss and the data, and watch D's surface, the samples and G's gradient arrows (ipywidgets).

`play()` returns the widget; where ipywidgets cannot be imported it draws static frames instead.
Every control is an attribute, so a test (or a lab cell) can drive it without a browser.

A run animates: in a kernel it is a task on the kernel's event loop that yields between short
chunks of iterations, so the picture is redrawn while it runs and a click on "pause" is handled
between two chunks (a plain loop inside the click handler would hold the kernel until the end).
"""
from __future__ import annotations

import asyncio
import importlib.util
import time

import matplotlib.pyplot as plt
from IPython.display import display

from gankit import viz
from gankit.game import G_LOSSES, Game


class Playground:
    """Widgets around a Game: controls (data, loss, k, lr_d, lr_g, run_steps), buttons (step_d,
    step_g, iterate, run, pause, reset) and a picture of the current frame with the game's history.

    A run redraws after a chunk of `chunk` iterations once `frame_interval` seconds have passed since
    the last picture, and never sooner than twice the last drawing's time after it: drawing takes at
    most a third of a run (frame_interval = 0: after every chunk). `redraws` counts the pictures drawn.
    """

    def __init__(self, game: Game | None = None, *, frame_interval: float = 0.25, chunk: int = 5, **settings):
        import ipywidgets as w

        self.game = game or Game(**settings)
        self.frame_interval, self.chunk = frame_interval, chunk
        self.redraws, self.task, self._pause = 0, None, False
        s = self.game.settings
        self.controls = {
            "data": w.Dropdown(options=["ring", "1d"], value=s["data"], description="data"),
            "loss": w.Dropdown(options=list(G_LOSSES), value=s["loss"], description="G's loss"),
            "k": w.IntSlider(value=s["k"], min=1, max=10, description="k (D steps)"),
            "lr_d": w.FloatLogSlider(value=s["lr_d"], base=10, min=-5, max=-1, description="D's lr"),
            "lr_g": w.FloatLogSlider(value=s["lr_g"], base=10, min=-5, max=-1, description="G's lr"),
            "run_steps": w.IntSlider(value=200, min=10, max=2000, step=10, description="run iterations"),
        }
        self.buttons = {name: w.Button(description=label) for name, label in
                        (("step_d", "step D"), ("step_g", "step G"), ("iterate", "1 iteration"),
                         ("run", "run"), ("pause", "pause"), ("reset", "reset"))}
        self.buttons["pause"].disabled = True
        self.status = w.HTML()
        self.output = w.Output()
        for name in ("data", "loss", "k", "lr_d", "lr_g"):
            self.controls[name].observe(self._changed(name), names="value")
        actions = {"step_d": self.game.step_d, "step_g": self.game.step_g, "iterate": lambda: self.game.play(1),
                   "reset": self.game.reset}
        for name, action in actions.items():
            self.buttons[name].on_click(self._clicked(action))
        self.buttons["run"].on_click(lambda _button: self.start_run())
        self.buttons["pause"].on_click(lambda _button: self.pause())
        self.widget = w.VBox([w.HBox([self.controls["data"], self.controls["loss"], self.controls["k"]]),
                              w.HBox([self.controls["lr_d"], self.controls["lr_g"], self.controls["run_steps"]]),
                              w.HBox(list(self.buttons.values())), self.status, self.output])
        self.refresh()

    def _changed(self, name):
        def handler(change):
            self.game.set(**{name: change["new"]})
            self.refresh()
        return handler

    def _clicked(self, action):
        def handler(_button):
            action()
            self.refresh()
        return handler

    def run_chunks(self, iterations: int):
        """A run of `iterations` in chunks, as a generator that yields after each chunk; it stops
        early after `pause()`. Redraws as the class says, and once at the end."""
        self._pause = False
        done, next_draw = 0, time.monotonic() + self.frame_interval
        while done < iterations and not self._pause:
            n = min(self.chunk, iterations - done)
            self.game.play(n)
            done += n
            if done < iterations and time.monotonic() >= next_draw:
                t0 = time.monotonic()
                self.refresh(running=f"running: {done}/{iterations}")
                drawn = time.monotonic()
                next_draw = drawn + (max(self.frame_interval, 2 * (drawn - t0)) if self.frame_interval else 0)
            yield done
        self.refresh()

    def start_run(self):
        """The "run" button: in a kernel (an event loop is running) start the run as a task and
        return it; elsewhere (a script, a test without a loop) run to the end and return None."""
        if self.task is not None and not self.task.done():
            return self.task
        chunks = self.run_chunks(self.controls["run_steps"].value)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            for _ in chunks:
                pass
            return None
        self._set_running(True)
        self.task = loop.create_task(self._drive(chunks))
        return self.task

    async def _drive(self, chunks) -> None:
        try:
            for _ in chunks:
                await asyncio.sleep(0)  # the loop handles the messages that arrived meanwhile: a pause click
        finally:
            self._set_running(False)

    def pause(self) -> None:
        """Stop the run in progress after its current chunk."""
        self._pause = True

    def _set_running(self, running: bool) -> None:
        for name, button in self.buttons.items():
            button.disabled = running != (name == "pause")
        for name in ("data", "loss"):  # they restart the game: not in the middle of a run
            self.controls[name].disabled = running

    def refresh(self, running: str = "") -> None:
        """Redraw the picture and the status line from the game's state."""
        g = self.game
        coverage = g.coverage()
        self.status.value = (f"iterations {g.iterations} &middot; D steps {g.d_steps} &middot; G steps {g.g_steps}"
                             + (f" &middot; {coverage}" if g.mixture.dim == 2 else "")
                             + (f" &middot; <b>{running}</b>" if running else ""))
        self.redraws += 1
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        viz.draw_frame(g.frame(), a)
        if g.history.step:
            viz.plot_game(g.history, b)
        else:
            b.set_axis_off()
            b.text(0.5, 0.5, "run some iterations to see the game over time", ha="center")
        fig.tight_layout()
        self.output.outputs = ()  # replace the picture rather than append one per click
        self.output.append_display_data(fig)
        plt.close(fig)

    def _ipython_display_(self):
        display(self.widget)


def play(game: Game | None = None, static_iterations: int = 1000, **settings):
    """The interactive playground; without ipywidgets, static frames of the game played for a while."""
    if importlib.util.find_spec("ipywidgets") is None:
        game = game or Game(**settings)
        frames = [game.frame()]
        for _ in range(3):
            game.play(static_iterations // 3)
            frames.append(game.frame())
        print("ipywidgets is not installed (pip install ipywidgets): showing static frames instead.")
        return viz.show_frames(frames)
    return Playground(game, **settings)
