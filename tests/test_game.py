"""The toy game and its playground: steps counted, settings applied, the widget driven headless."""
import matplotlib
import pytest
import torch

from gankit import training
from gankit.game import Game

matplotlib.use("Agg")


def test_play_counts_steps_and_records_history():
    g = Game(k=3, seed=0)
    g.play(4, coverage_every=2)
    assert (g.iterations, g.d_steps, g.g_steps) == (4, 12, 4)
    assert g.history.step == [1, 2, 3, 4] and g.history.coverage_iteration == [2, 4]


def test_same_seed_same_game_and_copy_is_independent():
    a, b = Game(seed=3), Game(seed=3)
    a.play(5)
    b.play(5)
    assert torch.equal(a.samples(50), b.samples(50))
    c = a.copy()
    c.play(3)
    assert not torch.equal(a.samples(50), c.samples(50)) and a.iterations == 5


def test_set_changes_learning_rates_and_restarts_on_new_data():
    g = Game(seed=0)
    g.play(2)
    g.set(lr_d=0.05, k=2)
    assert g.opt_D.param_groups[0]["lr"] == 0.05 and g.iterations == 2
    g.set(data="1d")
    assert g.iterations == 0 and g.frame().real.shape[1] == 1
    with pytest.raises(ValueError, match="unknown settings"):
        g.set(learning_rate=1)
    with pytest.raises(ValueError, match="unknown loss"):
        g.set(loss="wasserstein")


def test_the_student_iteration_plugs_in():
    calls = []

    def iteration(*args):
        calls.append(args[6:8])  # k, m
        return training.algorithm1_iteration(*args)

    Game(k=2, m=32, iteration=iteration).play(3)
    assert calls == [(2, 32)] * 3


def test_training_on_the_ring_captures_modes():
    g = Game(seed=0)
    g.play(1500)
    assert g.coverage().modes_captured >= 6


def test_minimax_push_vanishes_against_a_strong_discriminator():
    g = Game(seed=0)
    g.play(50)
    for _ in range(200):
        g.step_d()
    assert g.mean_push("nonsaturating") > 5 * g.mean_push("minimax")
    frame = g.frame()  # the frame's arrows are the game's own loss's push (non-saturating by default)
    assert frame.push.norm(dim=1).mean().item() == pytest.approx(g.mean_push("nonsaturating"))


def test_playground_is_driven_programmatically():
    pytest.importorskip("ipywidgets")
    from gankit.playground import Playground

    p = Playground(seed=0)
    p.controls["k"].value = 3
    p.controls["lr_g"].value = 0.01
    assert p.game.settings["k"] == 3 and p.game.opt_G.param_groups[0]["lr"] == 0.01
    p.buttons["step_d"].click()
    p.buttons["step_g"].click()
    p.buttons["iterate"].click()
    assert (p.game.d_steps, p.game.g_steps, p.game.iterations) == (4, 2, 1)
    assert "iterations 1" in p.status.value and "D steps 4" in p.status.value
    p.controls["run_steps"].value = 20
    p.buttons["run"].click()
    assert p.game.iterations == 21 and len(p.game.history.d_real) == 21
    p.controls["data"].value = "1d"
    assert p.game.iterations == 0 and p.game.mixture.dim == 1
    p.controls["loss"].value = "minimax"
    p.buttons["reset"].click()
    assert p.game.settings["loss"] == "minimax" and p.game.d_steps == 0
    assert len(p.output.outputs) == 1  # the picture is redrawn, not appended


def test_play_falls_back_to_static_frames_without_ipywidgets(monkeypatch):
    import importlib.util

    from gankit import playground

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    fig = playground.play(static_iterations=6, seed=0)
    assert len(fig.axes) >= 4


def test_playground_run_redraws_while_running_and_pause_stops_it():
    pytest.importorskip("ipywidgets")
    import asyncio

    from gankit.playground import Playground

    p = Playground(seed=0, frame_interval=0, chunk=5)  # a picture after every chunk
    p.controls["run_steps"].value = 200

    async def click_run_then_pause():
        p.buttons["run"].click()
        assert p.buttons["step_d"].disabled and not p.buttons["pause"].disabled
        for _ in range(3):
            await asyncio.sleep(0)  # the run's task takes a chunk each time the loop comes round
        p.buttons["pause"].click()
        await p.task

    asyncio.run(click_run_then_pause())
    done = p.game.iterations
    assert 0 < done < 200 and done % 5 == 0, done
    assert p.redraws == 1 + done // 5 + 1  # the first picture, one per chunk, the last
    assert not p.buttons["run"].disabled and p.buttons["pause"].disabled
    assert "running" not in p.status.value and f"iterations {done}" in p.status.value

    slow = Playground(seed=0, frame_interval=1e9, chunk=5)  # no picture is due during the run

    async def run_to_the_end():
        slow.buttons["run"].click()
        await slow.task

    asyncio.run(run_to_the_end())
    assert slow.game.iterations == 200 and slow.redraws == 2


def _widget_click(kc, comm_id: str) -> None:
    """What JupyterLab sends when a button is clicked."""
    kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"method": "custom",
                                                                                   "content": {"event": "click"}}}))


def test_playground_animates_in_a_real_kernel_and_pause_is_handled_during_a_run():
    """The frontend's view: clicks arrive as comm messages while a run goes on; the status line's
    updates come back on iopub before the run ends, and a pause click ends the run early."""
    pytest.importorskip("ipywidgets")
    import queue
    import time

    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        out = []
        kc.execute_interactive(
            "from gankit.playground import Playground\n"
            "p = Playground(seed=0, frame_interval=0)\np.controls['run_steps'].value = 2000\n"
            "print(p.buttons['run'].model_id, p.buttons['pause'].model_id, p.status.model_id)", timeout=120,
            output_hook=lambda m: out.append(m["content"]["text"]) if m["msg_type"] == "stream" else None)
        run_id, pause_id, status_id = out[0].split()
        _widget_click(kc, run_id)
        seen, deadline = [], time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                continue
            value = msg["content"].get("data", {}).get("state", {}).get("value") if msg["msg_type"] == "comm_msg" \
                and msg["content"]["comm_id"] == status_id else None
            if value is None:
                continue
            seen.append(value)
            if len(seen) == 3:
                _widget_click(kc, pause_id)
            if "running" not in value:
                break
        assert sum("running: " in v for v in seen) >= 3, seen  # redrawn during the run
        out.clear()
        kc.execute_interactive("print(p.game.iterations)", timeout=60,
                               output_hook=lambda m: out.append(m["content"]["text"]) if m["msg_type"] == "stream" else None)
        assert 0 < int(out[0]) < 2000, (out, seen[-1])
        assert f"iterations {int(out[0])}" in seen[-1]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
