"""Lab 10 on the CPU: bicubic, SRResNet and SRGAN at 4x (7x7 -> 28x28 digits), and the
perception-distortion trade-off over SRGAN's adversarial weight.

    python bench/super_resolution.py [--mse-minutes M] [--gan-minutes G] [--weights 0 1e-3 1e-2 1e-1] [--seed S] [--data DIR]

Data as bench/vae.py: offline the 10k MNIST test digits are trained on and the 5k training subset
judges (the shipped classifier was trained on the test set, so it has never seen the judged digits).
SRResNet: Lab 10's generator on pixel MSE for M minutes. SRGAN: started from that SRResNet (as Ledig
et al. do), G minutes on the content loss (the classifier's convolutional features) + w * adversarial,
for each weight w (w = 0: the content loss alone). Each is judged on all the judged digits: PSNR and
SSIM against the originals, the classifier's accuracy on the upscaled digits, FID on its features
(against the originals). Targets (the paper's ordering): SRResNet beats bicubic by >= 2 dB; SRGAN
(w = 1e-3) has lower PSNR than SRResNet, higher accuracy and lower FID.
"""
from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import torch

from gankit import classifier, data, features, metrics
from gankit import super_resolution as sr
from vae import split

ROOT = Path(__file__).resolve().parents[1]


def judge(name: str, upscaled: torch.Tensor, hr: torch.Tensor, labels: torch.Tensor, reader, extractor, real_feats,
          seconds: float, iterations: int) -> dict:
    return {"name": name, "psnr": metrics.psnr(upscaled, hr), "ssim": metrics.ssim(upscaled, hr),
            "accuracy": classifier.accuracy(reader, upscaled, labels),
            "fid": metrics.frechet_distance(extractor.features(upscaled), real_feats),
            "seconds": seconds, "iterations": iterations}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mse-minutes", type=float, default=3.0)
    p.add_argument("--gan-minutes", type=float, default=2.0)
    p.add_argument("--weights", type=float, nargs="+", default=[0.0, 1e-3, 1e-2, 1e-1])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = p.parse_args()

    fit, judged, where = split(args.data)
    lr_fit, hr_fit = data.low_resolution_pairs(fit.images)
    lr, hr = data.low_resolution_pairs(judged.images)
    reader, extractor, phi = classifier.pretrained(), features.load("digits"), sr.digit_features()
    real_feats = extractor.features(hr)
    print(f"data: {where}; 4x, {tuple(lr.shape[-2:])} -> {tuple(hr.shape[-2:])}")
    rows = [judge("bicubic", sr.bicubic(lr), hr, judged.labels, reader, extractor, real_feats, 0.0, 0),
            judge("original 28x28", hr, hr, judged.labels, reader, extractor, real_feats, 0.0, 0)]

    torch.manual_seed(args.seed)
    G = sr.SRResNet()
    t = time.perf_counter()
    h = sr.train_sr(G, lr_fit, hr_fit, steps=10 ** 9, device="cpu", seed=args.seed, max_seconds=60 * args.mse_minutes,
                    snapshot_every=10 ** 9, desc="SRResNet")
    rows.append(judge("SRResNet (MSE)", sr.upscale(G, lr), hr, judged.labels, reader, extractor, real_feats,
                      time.perf_counter() - t, len(h.step)))
    for w in args.weights:
        torch.manual_seed(args.seed)
        G_gan, D = copy.deepcopy(G), sr.SRDiscriminator()
        t = time.perf_counter()
        h = sr.train_sr(G_gan, lr_fit, hr_fit, steps=10 ** 9, D=D, phi=phi, adv_weight=w, device="cpu", seed=args.seed,
                        max_seconds=60 * args.gan_minutes, snapshot_every=10 ** 9, desc=f"SRGAN w={w:g}")
        rows.append(judge(f"SRGAN w = {w:g}" if w else "content loss only", sr.upscale(G_gan, lr), hr, judged.labels,
                          reader, extractor, real_feats, time.perf_counter() - t, len(h.step)))

    print("\n| upscaling | iterations | seconds | PSNR (dB) | SSIM | classifier accuracy | FID (digit features) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['iterations']} | {r['seconds']:.0f} | {r['psnr']:.2f} | {r['ssim']:.4f} | "
              f"{r['accuracy']:.1%} | {r['fid']:.2f} |")
    by = {r["name"]: r for r in rows}
    bic, mse, gan = by["bicubic"], by["SRResNet (MSE)"], by.get("SRGAN w = 0.001")
    print(f"\nSRResNet - bicubic: {mse['psnr'] - bic['psnr']:+.2f} dB (target >= +2): "
          f"{'met' if mse['psnr'] - bic['psnr'] >= 2 else 'NOT met'}")
    if gan:
        for what, ok in (("PSNR below SRResNet's", gan["psnr"] < mse["psnr"]),
                         ("accuracy above SRResNet's", gan["accuracy"] > mse["accuracy"]),
                         ("FID below SRResNet's", gan["fid"] < mse["fid"])):
            print(f"SRGAN (w = 1e-3) {what}: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
