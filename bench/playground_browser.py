"""Lab 1's playground in JupyterLab in headless Chromium: click "run" and watch the picture move.

    python bench/playground_browser.py [--chromium /usr/bin/chromium] [--out DIR] [--iterations 400]

Needs `pip install playwright` (the browser itself is the system's Chromium: `apt-get install
chromium`; nothing is downloaded). Starts JupyterLab on a scratch folder holding one notebook that
shows the playground, clicks "run", and every half second reads the status line and a fingerprint of
the picture. Prints how many different pictures appeared while the status said "running", then
clicks "pause" and checks that the run stopped before its end. Writes screenshots to DIR.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

CELL = ("from gankit.playground import Playground\n"
        "p = Playground(seed=0)\n"
        "p.controls['run_steps'].value = {iterations}\n"
        "p")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(folder: Path, port: int, token: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", f"--IdentityProvider.token={token}",
           "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={folder}", "--allow-root"]
    lab = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=1)
            return lab
        except OSError:
            time.sleep(0.5)
    lab.kill()
    raise SystemExit("JupyterLab did not start within a minute")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chromium", default="/usr/bin/chromium")
    p.add_argument("--out", type=Path, default=Path("bench-out/playground"))
    p.add_argument("--iterations", type=int, default=400)
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                         "source": CELL.format(iterations=args.iterations)}],
              "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
              "nbformat": 4, "nbformat_minor": 5}
        Path(tmp, "playground.ipynb").write_text(json.dumps(nb))
        port, token = free_port(), secrets.token_hex(8)
        lab = start_lab(Path(tmp), port, token)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1300, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/lab/tree/playground.ipynb?token={token}")
                page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
                page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)
                page.locator(".jp-Cell").first.click()
                page.keyboard.press("Shift+Enter")
                run_button = page.get_by_role("button", name="run", exact=True)
                try:
                    run_button.wait_for(timeout=180_000)
                except Exception:
                    page.screenshot(path=str(args.out / "no-widget.png"))
                    raise SystemExit(f"the playground did not appear within 3 minutes: see {args.out / 'no-widget.png'}")
                picture = page.locator(".jupyter-widgets-output-area img, .widget-output img").first
                picture.wait_for(timeout=120_000)
                status = page.locator(".widget-html-content").first
                t0 = time.monotonic()
                run_button.click()
                seen, shots, paused_at = [], 0, None
                while time.monotonic() - t0 < 300:
                    text = status.inner_text()
                    src = picture.get_attribute("src") or ""
                    seen.append((round(time.monotonic() - t0, 1), text, hashlib.sha1(src.encode()).hexdigest()[:8]))
                    if "running" in text and shots < 3:
                        page.screenshot(path=str(args.out / f"running-{shots}.png"))
                        shots += 1
                    if paused_at is None and len({h for _, t, h in seen if "running" in t}) >= 4:
                        page.get_by_role("button", name="pause", exact=True).click()
                        paused_at = seen[-1][0]
                    if len(seen) > 2 and "running" not in text and any("running" in t for _, t, _ in seen):
                        break
                    time.sleep(0.5)
                page.screenshot(path=str(args.out / "after.png"))
                browser.close()
        finally:
            lab.terminate()
            lab.wait(timeout=30)
    running = [s for s in seen if "running" in s[1]]
    for t, text, h in seen:
        print(f"{t:>6.1f} s  picture {h}  {text[-60:]}")
    pictures = len({h for _, _, h in running})
    final = seen[-1][1]
    print(f"\n{pictures} different pictures while running ({len(running)} readings, "
          f"{running[-1][0] - running[0][0] if running else 0:.1f} s); final status: {final}")
    stopped_early = f"iterations {args.iterations} " not in final + " "
    print(f"pause clicked at {paused_at} s; it stopped the run before its {args.iterations} iterations: {stopped_early}")
    print(f"screenshots in {args.out}")
    if pictures < 2 or not stopped_early:
        sys.exit(1)


if __name__ == "__main__":
    main()
