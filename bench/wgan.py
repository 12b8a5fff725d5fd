"""Lab 7's figures on this CPU: what a critic step costs, mode coverage on 25 Gaussians, and whether
the critic's W1 estimate tracks sample quality where a GAN's discriminator loss does not.

    python bench/wgan.py [--minutes M] [--toy-seconds S] [--checkpoints K] [--out DIR] [--data DIR]

1. Seconds per 1,000 generator steps on MNIST (batch 64) for the vanilla GAN (one D step per G step),
   WGAN with clipping and WGAN-GP (both n_critic = 5; the penalty needs a double backward).
2. The 25 Gaussians: the same toy G against a GAN discriminator and a WGAN-GP critic, modes captured
   (gankit.metrics.mode_coverage on 2,000 samples) after each quarter of S seconds.
3. MNIST (the 5k offline training subset), M minutes each for WGAN-GP (the kit's DCGAN generator and
   layer-norm critic) and Lab 3's reference GAN, stopped at K checkpoints: FID on the shipped
   classifier's features (1,000 samples against 2,000 held-out test digits), its mean confidence, and
   the critic's estimate E f(x) - E f(G(z)) (the GAN: its D loss) on 500 other held-out digits. Then
   Spearman's rho of each against FID over the checkpoints (target for the critic: |rho| >= 0.8).
Writes DIR/samples.pt: 1,000 samples of the WGAN-GP generator at the end, float in [0, 1], shape
(1000, 1, 28, 28).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from gankit import data, losses, metrics, models, runtime, toy, training
from vanilla_gan import evaluation_setup, score

ROOT = Path(__file__).resolve().parents[1]


def seconds_per_1000_g_steps(images: torch.Tensor, method: str, steps: int = 40) -> float:
    runtime.seed(0)
    if method == "vanilla":
        G, D = models.reference_gan()
        run = lambda n: training.train(G, D, images, steps=n, batch_size=64, device="cpu", progress=False,  # noqa: E731
                                       snapshot_every=n)
    else:
        G, D = models.reference_wgan()
        kw = dict(lam=None, clip=0.01) if method == "clipping" else dict(lam=10.0)
        run = lambda n: training.train_wgan(G, D, images, steps=n, batch_size=64, device="cpu", progress=False,  # noqa: E731
                                            snapshot_every=n, **kw)
    run(2)  # warm-up: first calls allocate
    t0 = time.perf_counter()
    run(steps)
    return (time.perf_counter() - t0) / steps * 1000


def toy_coverage(method: str, seconds: float, folder: Path) -> list[tuple[float, int]]:
    grid = toy.grid()
    points = grid.sample(20_000, torch.Generator().manual_seed(0))
    runtime.seed(0)
    G, D = models.ToyGenerator(z_dim=2), models.ToyDiscriminator()
    out = []
    for quarter in range(1, 5):
        options = dict(steps=10**9, batch_size=256, device="cpu", progress=False, lr=1e-3,
                       checkpoint=folder / f"toy-{method}.pt", max_seconds=seconds * quarter / 4)
        h = training.train(G, D, points, **options) if method == "GAN" else training.train_wgan(G, D, points, **options)
        with torch.no_grad():
            samples = G(torch.randn(2000, 2, generator=torch.Generator().manual_seed(1)))
        out.append((h.step[-1], metrics.mode_coverage(samples, grid.means, grid.std).modes_captured))
    return out


def mnist_track(method: str, images, held, judge, extractor, reference_feats, minutes: float, k: int, folder: Path):
    """Rows (iteration, seconds, the critic's estimate or D loss, FID, confidence) at k checkpoints."""
    runtime.seed(0)
    G, D = models.reference_wgan() if method == "WGAN-GP" else models.reference_gan()
    rows = []
    for i in range(1, k + 1):
        options = dict(steps=10**9, device="cpu", progress=False, checkpoint=folder / f"{method}.pt",
                       max_seconds=minutes * 60 * i / k)
        if method == "WGAN-GP":
            h = training.train_wgan(G, D, images, batch_size=64, **options)
        else:
            h = training.train(G, D, images, **options, **models.REFERENCE_TRAINING)
        D.eval()
        with torch.no_grad():
            fakes = training.sample(G, len(held), seed=100 + i)
            real_out, fake_out = D(held), D(fakes)
            value = (real_out.mean() - fake_out.mean()).item() if method == "WGAN-GP" else losses.d_loss(real_out, fake_out).item()
        D.train()
        samples, q, fid = score(G, judge, extractor, reference_feats, seed=1)
        rows.append((h.step[-1], h.seconds, value, fid, q["confidence"]))
        print(f"  {method:8s} {h.step[-1]:6d} it {h.seconds:6.0f} s  {'W estimate' if method == 'WGAN-GP' else 'D loss':10s} "
              f"{value:8.3f}  FID {fid:7.2f}  confidence {q['confidence']:.3f}", flush=True)
    return G, rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--toy-seconds", type=float, default=60.0)
    p.add_argument("--checkpoints", type=int, default=8)
    p.add_argument("--out", type=Path, default=Path("bench-out"))
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = p.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-wgan-"))

    train_set, judge, extractor, reference_feats = evaluation_setup(args.data)
    images = train_set.images
    print(f"{torch.get_num_threads()} threads")
    print("1. seconds per 1,000 generator steps (MNIST, batch 64)")
    speeds = {m: seconds_per_1000_g_steps(images, m) for m in ("vanilla", "clipping", "WGAN-GP")}
    for m, s in speeds.items():
        print(f"  {m:9s} {s:7.0f} s  ({s / speeds['vanilla']:.1f}x vanilla)")

    print(f"2. modes of the 25 Gaussians captured, {args.toy_seconds:.0f} s each, at each quarter (iteration: modes)")
    for method in ("GAN", "WGAN-GP"):
        print(f"  {method:8s}", "  ".join(f"{it}: {modes}" for it, modes in toy_coverage(method, args.toy_seconds, folder)))

    print(f"3. MNIST, {args.minutes} min each, {args.checkpoints} checkpoints")
    test_set = data.mnist("test", args.data, download=False)
    held = test_set.images[torch.randperm(len(test_set.images), generator=torch.Generator().manual_seed(8))[:500]]
    tracks = {}
    for method in ("WGAN-GP", "GAN"):
        G, tracks[method] = mnist_track(method, images, held, judge, extractor, reference_feats, args.minutes,
                                        args.checkpoints, folder)
        if method == "WGAN-GP":
            args.out.mkdir(parents=True, exist_ok=True)
            torch.save(data.to_unit(training.sample(G, 1000, seed=2)), args.out / "samples.pt")
    for method, rows in tracks.items():
        values, fids = [r[2] for r in rows], [r[3] for r in rows]
        name = "the critic's W estimate" if method == "WGAN-GP" else "the D loss"
        print(f"  rank correlation of {name} with FID over {len(rows)} checkpoints: {metrics.rank_correlation(values, fids):+.2f}")
    print(f"wrote {args.out / 'samples.pt'}: (1000, 1, 28, 28) in [0, 1]")


if __name__ == "__main__":
    main()
