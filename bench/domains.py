"""Lab 11 on the CPU: PixelDA on MNIST -> MNIST-M against its two references, and StarGAN on the four
digit domains, with the lab's networks and the kit's reference losses.

    python bench/domains.py [--da-steps N] [--star-steps N] [--judge-every N] [--seed S] [--data DIR]
                            [--photos sklearn|bsds500] [--skip pixelda|stargan]

Data as the lab: the offline 5k MNIST training digits are the labelled source and, blended over
scikit-learn's photos (seed 1), the unlabelled MNIST-M training split; 2,000 MNIST test digits blended
with seed 2 are the held-out MNIST-M judged on. PixelDA's classifier is measured every --judge-every
iterations, and so are the two references trained for as many iterations: the classifier on MNIST
alone (source only) and on MNIST-M's labels (target only). Target: PixelDA closes at least three
quarters of the gap between them.

StarGAN: the 5k digits dealt into the four domains (seed 0) to train on, 2,000 test digits (seed 1)
judged; two judges trained on the real domain images read each translation (to a random other domain):
the fraction read as the requested domain, and as the original digit. Targets: >= 90 % each.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from gankit import data, pixelda, stargan

ROOT = Path(__file__).resolve().parents[1]


def pixelda_run(args) -> None:
    source = data.mnist("train", args.data, download=False)
    target = data.mnist_m("train", photos=args.photos, root=args.data, download=False)
    held_out = data.mnist_m("test", photos=args.photos, limit=2000, root=args.data, download=False)
    judge = (held_out.images, held_out.labels)
    print(f"PixelDA: {source.name} -> {target.name}; judged on {held_out.name}")
    curves, seconds = {}, {}
    for name, x, y in (("source only", pixelda.gray_to_rgb(source.images), source.labels),
                       ("target only", target.images, target.labels)):
        torch.manual_seed(args.seed)
        T = pixelda.TaskClassifier()
        t = time.perf_counter()
        h = pixelda.train_classifier(T, x, y, steps=args.da_steps, judge=judge, judge_every=args.judge_every,
                                     device="cpu", seed=args.seed, desc=name)
        curves[name], seconds[name] = h.extra["target_accuracy"], time.perf_counter() - t
    torch.manual_seed(args.seed)
    G, D, T = pixelda.Generator(), pixelda.Discriminator(), pixelda.TaskClassifier()
    t = time.perf_counter()
    h = pixelda.train(G, D, T, source.images, source.labels, target.images, steps=args.da_steps, judge=judge,
                      judge_every=args.judge_every, device="cpu", seed=args.seed, snapshot_every=10 ** 9)
    curves["PixelDA"], seconds["PixelDA"] = h.extra["target_accuracy"], time.perf_counter() - t
    at = [int(s) for s in h.extra["judged_at"]]

    print("\n| iteration | " + " | ".join(curves) + " |")
    print("|---" * (len(curves) + 1) + "|")
    for i, step in enumerate(at):
        print(f"| {step} | " + " | ".join(f"{c[i]:.1%}" for c in curves.values()) + " |")
    print("| seconds | " + " | ".join(f"{s:.0f}" for s in seconds.values()) + " |")
    low, high, da = (curves[k][-1] for k in ("source only", "target only", "PixelDA"))
    closed = (da - low) / (high - low)
    print(f"\ngap closed by PixelDA at {at[-1]} iterations: ({da:.1%} - {low:.1%}) / ({high:.1%} - {low:.1%}) = "
          f"{closed:.0%} (target >= 75 %): {'met' if closed >= 0.75 else 'NOT met'}")


def stargan_run(args) -> None:
    digits, test = data.mnist("train", args.data, download=False), data.mnist("test", args.data, download=False)
    x, c, y = stargan.domain_digits(digits.images, digits.labels, seed=0)
    x_test, c_test, y_test = stargan.domain_digits(test.images[:2000], test.labels[:2000], seed=1)
    print(f"\nStarGAN: {len(c)} training images in the domains {', '.join(stargan.DOMAINS)}; {len(c_test)} judged")
    judges = stargan.train_judges(x, c, y, device="cpu", seed=args.seed)
    torch.manual_seed(args.seed)
    G, D = stargan.Generator(), stargan.Discriminator()
    rows, t = [], time.perf_counter()
    every = max(1, args.star_steps // 5)
    for stop in sorted({*range(every, args.star_steps, every), args.star_steps}):
        # one run, measured as it goes: each call resumes the checkpoint where the last stopped
        stargan.train(G, D, x, c, steps=stop, device="cpu", seed=args.seed, snapshot_every=10 ** 9,
                      checkpoint=args.checkpoint, checkpoint_every=10 ** 9)
        rows.append((stop, time.perf_counter() - t, stargan.report(G, x_test, c_test, y_test, judges, seed=args.seed)))
    print("\n| iteration | seconds | requested domain | kept digit |")
    print("|---|---|---|---|")
    for step, secs, r in rows:
        print(f"| {step} | {secs:.0f} | {r['requested_domain']:.1%} | {r['kept_digit']:.1%} |")
    r = rows[-1][2]
    print(f"| judges on real images | | {r['domain_judge_on_real']:.1%} | {r['digit_judge_on_real']:.1%} |")
    for key, name in (("requested_domain", "requested domain"), ("kept_digit", "kept digit")):
        print(f"{name} at {args.star_steps} iterations: {r[key]:.1%} (target >= 90 %): {'met' if r[key] >= 0.9 else 'NOT met'}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--da-steps", type=int, default=1000)
    p.add_argument("--star-steps", type=int, default=2000)
    p.add_argument("--judge-every", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--photos", default="sklearn", choices=["sklearn", "bsds500"])
    p.add_argument("--skip", choices=["pixelda", "stargan"])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = p.parse_args()
    if args.skip != "pixelda":
        pixelda_run(args)
    if args.skip != "stargan":
        with tempfile.TemporaryDirectory() as folder:
            args.checkpoint = Path(folder) / "stargan.pt"
            stargan_run(args)


if __name__ == "__main__":
    main()
