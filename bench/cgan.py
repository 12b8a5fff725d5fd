"""Lab 4's conditional GAN on the offline MNIST files, on the CPU: does G draw the digit asked for?

    python bench/cgan.py [--minutes M] [--eval-every STEPS] [--data DIR]

Trains the kit's convolutional cGAN (models.ConditionalGenerator / ConditionalDiscriminator, the
reference DCGAN pair conditioned on one-hot labels; Adam 1e-3, batch 32) on the 5k MNIST training
subset. Every `--eval-every` steps it asks G for 100 digits of each class and prints the share the
shipped classifier reads as the requested class, overall and per class, against training seconds.
Then it trains Lab 4's pix2pix (edges -> digit) for `--p2p-steps` steps and prints its speed, the
held-out L1 distance and the classifier's accuracy on the translations.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from gankit import classifier, data, models, runtime, training

ROOT = Path(__file__).resolve().parents[1]


def conditional(args, images, labels, judge) -> None:
    G, D = models.ConditionalGenerator(), models.ConditionalDiscriminator()
    G.apply(models.dcgan_init)
    D.apply(models.dcgan_init)
    print(f"cGAN: G {models.count_parameters(G):,} params, D {models.count_parameters(D):,} params, "
          f"{models.REFERENCE_TRAINING}")
    wanted = torch.arange(10).repeat_interleave(100)
    print(f"{'steps':>6} {'train s':>8} {'s/1k':>6} {'accuracy':>8}  per class 0..9")
    budget = args.minutes * 60
    with tempfile.TemporaryDirectory() as tmp:
        ckpt, steps, hist = Path(tmp) / "run.pt", 0, None
        while hist is None or hist.seconds < budget:
            steps += args.eval_every
            hist = training.train_conditional(G, D, images, labels, steps=steps, device="cpu", seed=args.seed,
                                              checkpoint=ckpt, checkpoint_every=10**9, progress=False,
                                              max_seconds=budget, **models.REFERENCE_TRAINING)
            G.eval()
            with torch.no_grad():
                fakes = G(torch.randn(len(wanted), G.z_dim, generator=torch.Generator().manual_seed(1)), wanted)
            G.train()
            per_class = classifier.class_accuracy(judge, fakes, wanted)
            done = hist.step[-1]
            print(f"{done:>6} {hist.seconds:>8.1f} {1000 * hist.seconds / done:>6.1f} {per_class.mean():>8.3f}  "
                  + " ".join(f"{a:.2f}" for a in per_class.tolist()), flush=True)


def pix2pix(args, images, labels, judge) -> None:
    edges = data.edges(images)
    G = models.UNetGenerator()
    D = models.PatchDiscriminator(2, ndf=32, n_layers=1, norm="batch")
    G.apply(models.dcgan_init)
    D.apply(models.dcgan_init)
    hist = training.train_pix2pix(G, D, edges[:-1000], images[:-1000], steps=args.p2p_steps, batch_size=32,
                                  lr=2e-4, device="cpu", seed=args.seed, progress=False)
    G.eval()
    with torch.no_grad():
        out = G(edges[-1000:])
    l1 = (out - images[-1000:]).abs().mean().item()
    print(f"pix2pix: G {models.count_parameters(G):,} / D {models.count_parameters(D):,} params; {args.p2p_steps} steps "
          f"in {hist.seconds:.0f} s ({1000 * hist.seconds / args.p2p_steps:.0f} s/1k); held-out L1 {l1:.3f}; "
          f"classifier reads the target digit in {classifier.accuracy(judge, out, labels[-1000:]):.3f} "
          f"(on the real targets: {classifier.accuracy(judge, images[-1000:], labels[-1000:]):.3f})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, default=4.0)
    p.add_argument("--eval-every", type=int, default=500)
    p.add_argument("--p2p-steps", type=int, default=800)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    runtime.seed(args.seed)
    train_set = data.mnist("train", args.data, download=False)
    order = torch.randperm(len(train_set.labels), generator=torch.Generator().manual_seed(args.seed))
    images, labels = train_set.images[order], train_set.labels[order]  # the offline subset is sorted by class
    judge = classifier.pretrained()
    print(f"data: {train_set.name}; judge: the shipped classifier "
          f"({classifier.accuracy(judge, images, labels):.3f} on these real images)")
    conditional(args, images, labels, judge)
    pix2pix(args, images, labels, judge)


if __name__ == "__main__":
    main()
