"""Lab 8's VAE on the CPU: its likelihood bounds on held-out digits, and its samples against the GAN's.

    python bench/vae.py [--minutes M] [--kinds conv mlp] [--gan-minutes G] [--seed S] [--out DIR] [--data DIR]

Data: with MNIST's 60,000 training digits on disk (torchvision's files, e.g. on Colab) the models
train on them and are judged on the test set. Offline (the shared data folder: 5k training digits,
the 10k test set) the roles swap, so that the models see the larger set: they train on the 10k test
digits and are judged on the 5k training subset, every class equally.

For each kind of VAE (conv: Lab 8's model; mlp: one hidden layer of 500, Kingma and Welling's), after
M minutes of training with dynamic binarisation: iterations, the test ELBO and the IWAE bounds with
k = 100 and 1,000 (nats per held-out digit, 500 digits, 50 per class, binarised once with a fixed
seed). Then the kit's reference GAN trained G minutes on the same digits, and FID, precision and
recall (the shipped classifier's features, 1,000 samples each, against 1,000 held-out digits; real
digits against real ones as the floor). Writes DIR/samples.pt (1,000 decoder means of prior samples of
the first kind, float in [0, 1], shape (1000, 1, 28, 28)) and DIR/bounds.json (its bounds).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from gankit import autoencoders, data, elbo, features, metrics, models, training

ROOT = Path(__file__).resolve().parents[1]
Z_DIM = {"conv": 16, "mlp": 50}


def per_class(images: torch.Tensor, labels: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """n images of each class, drawn with a fixed seed."""
    g = torch.Generator().manual_seed(seed)
    picked = [torch.nonzero(labels == c).flatten() for c in range(10)]
    return torch.cat([images[i[torch.randperm(len(i), generator=g)[:n]]] for i in picked])


def split(data_dir: Path):
    """(the digits to train on, the digits to judge on, what they are): the larger set is trained on."""
    train_set = data.mnist("train", data_dir, download=False)
    test_set = data.mnist("test", data_dir, download=False)
    if len(train_set.images) >= 60_000:
        return train_set, test_set, "MNIST train (60,000); judged on the test set"
    return test_set, train_set, "MNIST test set (10,000, offline); judged on the 5k training subset"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--kinds", nargs="+", default=["conv"], choices=sorted(Z_DIM))
    p.add_argument("--gan-minutes", type=float, default=2.0, help="0: no GAN")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("bench-out"))
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = p.parse_args()

    fit, judged, where = split(args.data)
    fit = fit.images
    bound_set = data.binarize(per_class(judged.images, judged.labels, 50, seed=1), torch.Generator().manual_seed(2))
    real = per_class(judged.images, judged.labels, 100, seed=3)
    extractor = features.load("digits")
    real_feats = extractor.features(real)
    floor_feats = extractor.features(fit[torch.randperm(len(fit), generator=torch.Generator().manual_seed(5))[:1000]])
    print(f"data: {where}; {torch.get_num_threads()} threads")

    rows = {}
    for i, kind in enumerate(args.kinds):
        torch.manual_seed(args.seed)
        vae = autoencoders.VAE(Z_DIM[kind], kind)
        h = autoencoders.train_autoencoder(vae, fit, steps=10 ** 9, max_seconds=60 * args.minutes, device="cpu",
                                           seed=args.seed, desc=f"VAE ({kind})")
        t0 = time.perf_counter()
        bounds = elbo.test_bounds(vae, bound_set, ks=(100, 1000), seed=args.seed)
        seconds = time.perf_counter() - t0
        vae.eval()
        with torch.no_grad():
            means = torch.sigmoid(vae.decode(torch.randn(1000, vae.z_dim, generator=torch.Generator().manual_seed(4))))
        rows[f"VAE ({kind})"] = (len(h.step), bounds, means * 2 - 1)
        print(f"VAE ({kind}, z = {Z_DIM[kind]}): {len(h.step)} iterations; ELBO {bounds['elbo']:.2f}, "
              f"IWAE_100 {bounds['iwae_100']:.2f}, IWAE_1000 {bounds['iwae_1000']:.2f} nats ({seconds:.0f} s to evaluate)")
        if i == 0:
            args.out.mkdir(parents=True, exist_ok=True)
            torch.save(means.contiguous(), args.out / "samples.pt")
            (args.out / "bounds.json").write_text(json.dumps(bounds, indent=1))

    if args.gan_minutes > 0:
        torch.manual_seed(args.seed)
        G, D = models.reference_gan()
        h = training.train(G, D, fit, steps=10 ** 9, max_seconds=60 * args.gan_minutes, device="cpu", seed=args.seed,
                           desc="GAN", **models.REFERENCE_TRAINING)
        rows["GAN (reference)"] = (len(h.step), None, training.sample(G, 1000, seed=4))

    print("\n| model | iterations | ELBO | IWAE_100 | IWAE_1000 | FID | precision | recall |")
    print("|---|---|---|---|---|---|---|---|")
    for name, (steps, bounds, samples) in rows.items():
        f = extractor.features(samples)
        precision, recall = metrics.precision_recall(real_feats, f)
        b = [f"{bounds[k]:.2f}" for k in ("elbo", "iwae_100", "iwae_1000")] if bounds else ["-"] * 3
        print(f"| {name} | {steps} | {' | '.join(b)} | {metrics.frechet_distance(f, real_feats):.1f} | "
              f"{precision:.3f} | {recall:.3f} |")
    real_p, real_r = metrics.precision_recall(real_feats, floor_feats)
    print(f"| real digits (floor) | - | - | - | - | {metrics.frechet_distance(floor_feats, real_feats):.1f} | "
          f"{real_p:.3f} | {real_r:.3f} |")
    print(f"\nwrote {args.out / 'samples.pt'} and {args.out / 'bounds.json'} ({args.kinds[0]})")


if __name__ == "__main__":
    main()
