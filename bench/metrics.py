"""gankit.metrics timings: FID at 2,048 dimensions next to pytorch-fid, and Parzen at 10,000 x 10,000.

    python bench/metrics.py [--n 4096] [--dims 2048] [--parzen-n 10000] [--parzen-dims 784]

FID: two random feature sets (N x d, correlated like real features), the Frechet distance by gankit
(a Cholesky factor and one symmetric eigendecomposition) and by pytorch-fid (scipy's sqrtm), the time of each (covariances
included, after one small warm-up call each), the ratio and the relative difference. Parzen: the log-likelihood of N test points under
a window on N samples of the given width, in batches.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from gankit import metrics


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=4096)
    p.add_argument("--dims", type=int, default=2048)
    p.add_argument("--parzen-n", type=int, default=10000)
    p.add_argument("--parzen-dims", type=int, default=784)
    args = p.parse_args()

    rng = np.random.default_rng(0)
    mix = rng.normal(size=(args.dims, args.dims)) / np.sqrt(args.dims)
    a = rng.normal(size=(args.n, args.dims)) @ mix
    b = (rng.normal(size=(args.n, args.dims)) @ mix) * 1.1 + 0.05
    metrics.frechet_distance(a[:64, :64], b[:64, :64])  # first LAPACK call: thread pool and workspace set-up
    t = time.perf_counter()
    ours = metrics.frechet_distance(a, b)
    t_ours = time.perf_counter() - t
    try:
        from pytorch_fid.fid_score import calculate_frechet_distance
    except ImportError:
        print(f"FID {args.n} x {args.dims}: gankit {ours:.6f} in {t_ours:.2f} s (pytorch-fid not installed)")
    else:
        small = a[:64, :64], b[:64, :64]
        calculate_frechet_distance(*(f(x) for x in small for f in (lambda x: x.mean(0), lambda x: np.cov(x, rowvar=False))))
        t = time.perf_counter()
        theirs = calculate_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
        t_theirs = time.perf_counter() - t
        print(f"FID {args.n} x {args.dims}: gankit {ours:.6f} in {t_ours:.2f} s, pytorch-fid {theirs:.6f} in "
              f"{t_theirs:.2f} s: {t_theirs / t_ours:.1f}x faster, relative difference {abs(ours - theirs) / theirs:.1e}")

    g = torch.Generator().manual_seed(0)
    samples = torch.rand(args.parzen_n, args.parzen_dims, generator=g)
    test = torch.rand(args.parzen_n, args.parzen_dims, generator=g)
    t = time.perf_counter()
    ll = metrics.parzen_log_likelihood(samples, test, sigma=0.2)
    print(f"Parzen {args.parzen_n:,} test x {args.parzen_n:,} samples x {args.parzen_dims} dims: "
          f"{time.perf_counter() - t:.1f} s (mean log-likelihood {ll.mean():.1f})")


if __name__ == "__main__":
    main()
