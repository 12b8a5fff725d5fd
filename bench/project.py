"""Lab 12's offline default on the CPU: the course project's two experiments with and without
augmentation, over seeds, and the GAN-augmentation row.

    python bench/project.py [--limit N] [--steps S] [--seeds 0 1 2] [--augment shift rotate colour]
                            [--gan-steps G] [--per-class K] [--data DIR] [--out DIR]

Data as the lab: MNIST-M made from `limit` digits of the offline 5k training subset over scikit-learn's
photos, split 80/20 per class (seed 0). A: the shipped digit classifier (trained on the MNIST test set,
grey) fine-tuned and frozen with a new head; B: project.SmallCNN from scratch. Each for S steps of Adam
(1e-3, batches of 64), without and with the augmentations, for every seed; B once more with SGD
(momentum 0.9) at 0.1, the best setting of the lab's sweep. GAN row: Lab 4's cGAN trained
G steps on the training split, K samples per class added to it, B trained on both. Prints the results
table (mean and standard deviation over seeds), by how much A beats B, and the GAN row against B
without augmentation; writes the report's pictures to --out.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from gankit import project

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--limit", type=int, default=2000)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--augment", nargs="+", default=["shift", "rotate", "colour"])
    p.add_argument("--gan-steps", type=int, default=1500, help="0: no GAN row")
    p.add_argument("--per-class", type=int, default=100)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--out", type=Path, default=Path("bench-out") / "project")
    args = p.parse_args()
    os.environ.setdefault("GANKIT_DATA", str(args.data))

    dataset = project.offline_default(limit=args.limit, download=False)
    train_idx, test_idx = project.stratified_split(dataset.labels, 0.8, seed=0)
    train, test = project.take(dataset, train_idx), project.take(dataset, test_idx)
    print(f"{dataset.name}: {len(train.labels)} training, {len(test.labels)} test images; {args.steps} steps, "
          f"seeds {args.seeds}, augmentation {' + '.join(args.augment)}")
    experiments = {
        "A: digit classifier, fine-tuned": lambda: project.pretrained("digits", 10),
        "A: digit classifier, frozen": lambda: project.pretrained("digits", 10, frozen=True),
        "B: small CNN": lambda: project.SmallCNN(3, 10),
    }
    results, seconds = [], {}
    for name, build in experiments.items():
        for augmentations in ((), tuple(args.augment)):
            t = time.perf_counter()
            results += project.run(name, build, train, test, seeds=args.seeds, augmentations=augmentations,
                                   steps=args.steps, judge_every=max(1, args.steps // 6), device="cpu", progress=False)
            seconds[(name, " + ".join(augmentations) or "none")] = time.perf_counter() - t
    # B again at the lab's best swept setting: how much of the A-B gap is B's optimiser, not its start
    t = time.perf_counter()
    results += project.run("B: small CNN, SGD 0.1", experiments["B: small CNN"], train, test, seeds=args.seeds,
                           steps=args.steps, lr=0.1, solver="sgd", judge_every=max(1, args.steps // 6), device="cpu",
                           progress=False)
    seconds[("B: small CNN, SGD 0.1", "none")] = time.perf_counter() - t
    if args.gan_steps:
        t = time.perf_counter()
        fakes, _ = project.gan_samples(train, args.per_class, steps=args.gan_steps, device="cpu", progress=False)
        label = f"{args.per_class} cGAN samples per class ({args.gan_steps} GAN steps)"
        results += project.run("B: small CNN", experiments["B: small CNN"], project.combined(train, fakes), test,
                               seeds=args.seeds, label=label, steps=args.steps, judge_every=max(1, args.steps // 6),
                               device="cpu", progress=False)
        seconds[("B: small CNN", label)] = time.perf_counter() - t

    print("\n" + project.results_table(results))
    print("\nseconds per row (all seeds): " + "; ".join(f"{e}, {a}: {s:.0f}" for (e, a), s in seconds.items()))
    mean = {key: statistics.mean(r.accuracy for r in results if (r.experiment, r.augmentation) == key) for key in seconds}
    a, b = mean[("A: digit classifier, fine-tuned", "none")], mean[("B: small CNN", "none")]
    print(f"\nA (fine-tuned) - B, no augmentation: {100 * (a - b):+.1f} points ({a:.1%} against {b:.1%}); "
          f"the deck expects A ahead: {'yes' if a > b else 'NO'}")
    print(f"A (fine-tuned) - B with SGD at 0.1: {100 * (a - mean[('B: small CNN, SGD 0.1', 'none')]):+.1f} points")
    if args.gan_steps:
        print(f"GAN augmentation - B, no augmentation: {100 * (mean[('B: small CNN', label)] - b):+.1f} points")
    paths = project.save_report(results, args.out, dataset.classes)
    print(f"wrote {', '.join(str(p) for p in paths)}; total {sum(seconds.values()) / 60:.1f} min")


if __name__ == "__main__":
    main()
