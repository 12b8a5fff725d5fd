"""Lab 3's reference GAN on the offline MNIST files, on the CPU: speed and digit quality over time.

    python bench/vanilla_gan.py [--minutes M] [--out DIR] [--config reference|tutorial] [--data DIR]

Trains on the 5k MNIST training subset; the shipped classifier (trained on the 10k test set, which
the GAN never sees) reads the samples. Prints seconds per 1,000 steps and, every `--eval-every` steps, the
classifier's mean confidence on 1,000 samples and how many classes they cover. Writes
DIR/samples.pt: 1,000 samples, float in [0, 1], shape (1000, 1, 28, 28).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from gankit import classifier, data, models, runtime, training

ROOT = Path(__file__).resolve().parents[1]


def build(config: str, z_dim: int):
    """The two recipes compared: the kit's reference DCGAN and the common tutorial MLP."""
    if config == "reference":
        return (*models.reference_gan(z_dim), dict(models.REFERENCE_TRAINING))
    if config == "tutorial":  # MLP 256-512-1024, Adam 2e-4, batch 64
        G, D = models.MLPGenerator(z_dim, hidden=(256, 512, 1024)), models.MLPDiscriminator(hidden=(1024, 512, 256))
        return G, D, dict(batch_size=64, lr=2e-4)
    raise SystemExit(f"unknown --config {config!r}: use reference or tutorial")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--out", type=Path, default=Path("bench-out"))
    p.add_argument("--config", default="reference")
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    runtime.seed(args.seed)
    train_set = data.mnist("train", args.data, download=False)
    judge = classifier.pretrained()
    print(f"judge: the shipped classifier; accuracy on the 5k training subset "
          f"{classifier.accuracy(judge, train_set.images, train_set.labels):.3f}")

    G, D, opts = build(args.config, z_dim=64)
    print(f"config {args.config}: G {models.count_parameters(G):,} params, D {models.count_parameters(D):,} params, "
          f"batch {opts['batch_size']}, Adam lr {opts['lr']} betas (0.5, 0.999)")
    print(f"{'steps':>6} {'train s':>8} {'s/1k steps':>10} {'confidence':>10} {'classes':>7}  class counts")
    budget = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        ckpt, steps, hist = Path(tmp) / "run.pt", 0, None
        while hist is None or hist.seconds < budget:
            steps += args.eval_every
            hist = training.train(G, D, train_set.images, steps=steps, device="cpu", seed=args.seed,
                                  checkpoint=ckpt, progress=False, checkpoint_every=10**9, max_seconds=budget,
                                  **opts)
            samples = training.sample(G, 1000, seed=args.seed + 1)
            q = classifier.digit_quality(judge, samples)
            done = hist.step[-1]
            print(f"{done:>6} {hist.seconds:>8.1f} {1000 * hist.seconds / done:>10.1f} {q['confidence']:>10.3f} "
                  f"{q['classes_covered']:>7}  {q['class_counts']}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.save(data.to_unit(samples), args.out / "samples.pt")
    print(f"wrote {args.out / 'samples.pt'}: {tuple(samples.shape)} in [0, 1]")


if __name__ == "__main__":
    main()
