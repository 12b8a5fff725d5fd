"""Lab 3's reference recipe against the one it replaced and the common tutorial MLP, on the offline
MNIST files, on the CPU, for the same time budget each.

    python bench/vanilla_gan.py [--minutes M] [--seeds 0 1 2] [--recipes reference old tutorial] [--out DIR] [--data DIR]

Trains on the 5k MNIST training subset. For each seed and recipe, after M minutes: iterations done,
the shipped classifier's mean confidence on 1,000 samples (it was trained on the 10k test set, which
the GAN never sees) and the classes they cover, and the FID on the classifier's 64-d features
against 2,000 held-out real digits (test set); the floor is 1,000 real training digits against the
same 2,000. The recipe `cgan` (Lab 4's conditional pair, asked for every class equally) shows what
class labels buy. Per seed, the reference's FID as a share of the old recipe's (issue 17's target: at most
2/3, with a confidence of at least 0.93). Writes DIR/samples.pt: 1,000 samples of the reference recipe (first seed), float in
[0, 1], shape (1000, 1, 28, 28).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gankit import classifier, data, features, metrics, models, runtime, training

ROOT = Path(__file__).resolve().parents[1]


def build(recipe: str, z_dim: int = 64):
    """(G, D, training options) for a recipe."""
    if recipe == "reference":
        return (*models.reference_gan(z_dim), dict(models.REFERENCE_TRAINING))
    if recipe == "old":  # the reference until issue 17: the same pair with BatchNorm in D
        G, _ = models.reference_gan(z_dim)
        D = models.DCGANDiscriminator()
        D.apply(models.dcgan_init)
        return G, D, dict(models.REFERENCE_TRAINING)
    if recipe == "cgan":  # Lab 4's conditional pair, told which digit to draw: what class labels buy
        return (*models.reference_cgan(z_dim), dict(models.REFERENCE_TRAINING))
    if recipe == "tutorial":  # MLP 256-512-1024, Adam 2e-4, batch 64
        G, D = models.MLPGenerator(z_dim, hidden=(256, 512, 1024)), models.MLPDiscriminator(hidden=(1024, 512, 256))
        return G, D, dict(batch_size=64, lr=2e-4)
    raise SystemExit(f"unknown recipe {recipe!r}: use reference, old, tutorial or cgan")


def evaluation_setup(data_dir: Path):
    """The offline training set, the shipped classifier (it judges samples) and its features of 2,000
    held-out test digits (the real side of FID)."""
    train_set = data.mnist("train", data_dir, download=False)
    test_set = data.mnist("test", data_dir, download=False)
    judge, extractor = classifier.pretrained(), features.load("digits")
    held_out = test_set.images[torch.randperm(len(test_set.images), generator=torch.Generator().manual_seed(7))[:2000]]
    return train_set, judge, extractor, extractor.features(held_out)


def score(G, judge, extractor, reference_feats, seed: int, labels=None):
    """1,000 samples of G (a conditional G: for `labels`), the classifier's verdict on them, and their
    FID against the held-out digits."""
    samples = training.sample(G, 1000, seed=seed, labels=labels)
    return samples, classifier.digit_quality(judge, samples), metrics.frechet_distance(extractor.features(samples), reference_feats)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--recipes", nargs="+", default=["reference", "old", "tutorial"])
    p.add_argument("--out", type=Path, default=Path("bench-out"))
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = p.parse_args()

    train_set, judge, extractor, reference_feats = evaluation_setup(args.data)
    real = train_set.images[torch.randperm(len(train_set.images), generator=torch.Generator().manual_seed(5))[:1000]]
    q_real = classifier.digit_quality(judge, real)
    floor = metrics.frechet_distance(extractor.features(real), reference_feats)
    print(f"real digits: confidence {q_real['confidence']:.3f}, {q_real['classes_covered']} classes, "
          f"FID {floor:.2f} (the floor); {torch.get_num_threads()} threads, {args.minutes} min per run")
    print(f"{'seed':>4} {'recipe':>10} {'iterations':>10} {'confidence':>10} {'classes':>7} {'FID':>7}")
    results = {}
    for seed in args.seeds:
        for recipe in args.recipes:
            runtime.seed(seed)
            G, D, options = build(recipe)
            conditional = recipe == "cgan"
            fit, labels = (training.train_conditional, (train_set.labels,)) if conditional else (training.train, ())
            hist = fit(G, D, train_set.images, *labels, steps=10**9, device="cpu", seed=seed, progress=False,
                       max_seconds=args.minutes * 60, **options)
            asked = torch.arange(1000) % 10 if conditional else None  # every class equally often
            samples, q, fid = score(G, judge, extractor, reference_feats, seed + 1, asked)
            print(f"{seed:>4} {recipe:>10} {hist.step[-1]:>10} {q['confidence']:>10.3f} {q['classes_covered']:>7} "
                  f"{fid:>7.2f}", flush=True)
            results[seed, recipe] = q["confidence"], fid
            if recipe == "reference" and seed == args.seeds[0]:
                args.out.mkdir(parents=True, exist_ok=True)
                torch.save(data.to_unit(samples), args.out / "samples.pt")
    if {"reference", "old"} <= set(args.recipes):
        for seed in args.seeds:
            confidence, fid = results[seed, "reference"]
            ratio = fid / results[seed, "old"][1]
            print(f"seed {seed}: reference FID / old FID = {ratio:.2f} ({'met' if ratio <= 2 / 3 else 'NOT met'}: "
                  f"target <= 0.67); confidence {confidence:.3f} ({'met' if confidence >= 0.93 else 'NOT met'}: target >= 0.93)")
    if "reference" in args.recipes:
        print(f"wrote {args.out / 'samples.pt'}: (1000, 1, 28, 28) in [0, 1]")


if __name__ == "__main__":
    main()
