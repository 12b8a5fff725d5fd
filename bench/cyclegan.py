"""Lab 5's CycleGAN on the CPU: seconds per iteration, and whether translations keep the digit over time.

    python bench/cyclegan.py [--minutes M] [--eval-every STEPS] [--reference-steps N] [--data DIR]

1. Seconds per training iteration of the reference-sized CycleGAN (ResnetGenerator(3, 3, 64, 9) and
   PatchDiscriminator(3, 64, 3), 256 x 256 RGB, batch 1, as the reference trains) on random images,
   and of the lab's default (16 base channels, 3 residual blocks, 2 D layers, 28 px digits, batch 16).
2. The lab's default trained on the offline digit domains (data.unpaired_digits) for --minutes with the
   lab's budget of 600 iterations (learning rate decaying over the second half): every --eval-every
   iterations, the cycle errors and how often the shipped classifier reads the same digit after
   translation (cyclegan.digit_report on 1,000 images per domain), against training seconds.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from gankit import classifier, cyclegan, data, models, runtime

ROOT = Path(__file__).resolve().parents[1]


def seconds_per_iteration(nets, x, y, steps: int) -> float:
    G, F, D_X, D_Y = nets
    opt_G = torch.optim.Adam(list(G.parameters()) + list(F.parameters()), 2e-4, betas=(0.5, 0.999))
    opt_D = torch.optim.Adam(list(D_X.parameters()) + list(D_Y.parameters()), 2e-4, betas=(0.5, 0.999))
    pools = cyclegan.ImagePool(50), cyclegan.ImagePool(50)
    cyclegan.iteration(G, F, D_X, D_Y, opt_G, opt_D, x, y, *pools)  # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        cyclegan.iteration(G, F, D_X, D_Y, opt_G, opt_D, x, y, *pools)
    return (time.perf_counter() - t) / steps


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--steps", type=int, default=600, help="the run's length (sets the learning-rate decay)")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--reference-steps", type=int, default=3)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    runtime.seed(args.seed)

    reference = [models.ResnetGenerator(3, 3) for _ in range(2)] + [models.PatchDiscriminator(3) for _ in range(2)]
    big = torch.rand(2, 1, 3, 256, 256) * 2 - 1
    ref_s = seconds_per_iteration(reference, big[0], big[1], args.reference_steps)
    print(f"reference size (G {models.count_parameters(reference[0]):,}, D {models.count_parameters(reference[2]):,} "
          f"params, 256 px, batch 1): {ref_s:.2f} s per iteration")
    X, Y = data.unpaired_digits(root=args.data, download=False, seed=args.seed)
    lab_nets = cyclegan.small_models()
    lab_s = seconds_per_iteration(lab_nets, X.images[:16], Y.images[:16], 20)
    print(f"lab default (G {models.count_parameters(lab_nets[0]):,}, D {models.count_parameters(lab_nets[2]):,} "
          f"params, 28 px, batch 16): {lab_s:.3f} s per iteration ({ref_s / lab_s:.0f}x faster)")

    judge = classifier.pretrained()
    nets = cyclegan.small_models()
    print(f"{X.name} / {Y.name}")
    print(f"{'steps':>6} {'train s':>8} {'cycle X':>8} {'cycle Y':>8} {'kept G(x)':>9} {'kept F(y)':>9} {'real Y':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        ckpt, done, hist = Path(tmp) / "run.pt", 0, None
        while done < args.steps and (hist is None or hist.seconds < args.minutes * 60):
            stop = min(done + args.eval_every, args.steps)
            hist = cyclegan.train(nets, X.images, Y.images, steps=args.steps, device="cpu", seed=args.seed,
                                  checkpoint=ckpt, checkpoint_every=10**9, progress=False, stop_at=stop)
            done = hist.step[-1]
            r = cyclegan.digit_report(nets[0], nets[1], X, Y, judge)
            print(f"{done:>6} {hist.seconds:>8.1f} {r['cycle_x']:>8.3f} {r['cycle_y']:>8.3f} {r['kept_x']:>9.3f} "
                  f"{r['kept_y']:>9.3f} {r['real_y']:>7.3f}", flush=True)


if __name__ == "__main__":
    main()
