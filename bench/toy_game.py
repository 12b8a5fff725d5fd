"""Lab 1's toy games on the CPU: speed, mode coverage over time, and the pathology settings.

    python bench/toy_game.py [--iterations N] [--seeds S]

For each setting the lab uses (the ring with the lab's defaults; mode collapse; imbalance) prints
seconds per 1,000 Algorithm 1 iterations and, every N/6 iterations, modes captured out of 8 and the
share of high-quality samples (gankit.metrics.mode_coverage), for each seed. Ends with the
strong-discriminator figure: G's mean push under each cost from the same state, and their ratio.
"""
from __future__ import annotations

import argparse
import time

import torch

from gankit.game import Game

SETTINGS = {
    "lab default": {},
    "mode collapse (lr 1e-2 both, m 64)": {"lr_d": 1e-2, "lr_g": 1e-2, "m": 64},
    "imbalance (lr_g 2e-2, lr_d 1e-3)": {"lr_g": 2e-2, "lr_d": 1e-3},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=3000)
    ap.add_argument("--seeds", type=int, default=2)
    args = ap.parse_args()
    every = max(1, args.iterations // 6)
    for name, setting in SETTINGS.items():
        for seed in range(args.seeds):
            game, curve, seconds = Game("ring", seed=seed, **setting), [], 0.0
            while game.iterations < args.iterations:
                t0 = time.perf_counter()
                game.play(every)
                seconds += time.perf_counter() - t0
                c = game.coverage()
                curve.append(f"{game.iterations}:{c.modes_captured}/8,{100 * c.high_quality:.0f}%")
            print(f"{name:38s} seed {seed}: {1000 * seconds / game.iterations:5.2f} s/1k it | " + " ".join(curve),
                  flush=True)
    for seed in range(args.seeds):
        strong = Game("ring", seed=seed)
        strong.play(200)
        for _ in range(300):
            strong.step_d()
        push = {loss: strong.mean_push(loss) for loss in ("minimax", "nonsaturating")}
        print(f"strong D, seed {seed}: mean push minimax {push['minimax']:.3f}, non-saturating "
              f"{push['nonsaturating']:.3f}, ratio {push['nonsaturating'] / push['minimax']:.0f}x")
    print(f"torch threads: {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
