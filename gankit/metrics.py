"""Measuring generators: pure functions on samples or features.

Mode coverage on toy mixtures (Lab 1, reused by Lab 6); Frechet distance (FID), Inception Score,
KID, the Parzen-window log-likelihood and precision / recall on features (Lab 6); the rank correlation
of two series (Lab 7: does a loss track FID?); PSNR and SSIM, the pixel metrics of super-resolution
(Lab 10).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Coverage:
    """How a sample covers a mixture's modes."""
    modes_captured: int      # modes holding at least min_share of the samples as high-quality ones
    n_modes: int
    high_quality: float      # share of samples within n_std standard deviations of their nearest mode
    counts: list             # high-quality samples per mode

    def __str__(self) -> str:
        return f"{self.modes_captured}/{self.n_modes} modes captured, {100 * self.high_quality:.1f} % high-quality samples"


def mode_coverage(samples: torch.Tensor, means: torch.Tensor, std: float, n_std: float = 3.0,
                  min_share: float = 0.01) -> Coverage:
    """Mode coverage of `samples` (N, d) on a mixture with modes `means` (K, d) and component std `std`.

    A sample is high-quality when it lies within n_std * std of its nearest mode (Srivastava et al.
    2017, Metz et al. 2017); a mode is captured when at least min_share of all samples are
    high-quality samples of that mode (1 %, i.e. 12.5 % of a fair share on the ring of 8).
    """
    if samples.dim() != 2 or samples.shape[1] != means.shape[1]:
        raise ValueError(f"samples must be (N, {means.shape[1]}) like the modes, got {tuple(samples.shape)}.")
    samples = samples.detach().to("cpu", means.dtype)
    dist, nearest = torch.cdist(samples, means.cpu()).min(dim=1)
    good = dist <= n_std * std
    counts = torch.bincount(nearest[good], minlength=len(means))
    captured = int((counts >= min_share * len(samples)).sum())
    return Coverage(captured, len(means), good.float().mean().item(), counts.tolist())


# Sample-quality metrics on features (Lab 6). All take arrays or tensors of shape (N, d) and compute
# in float64 on the CPU: the sums over thousands of dimensions lose digits in float32.

def _features(x, name: str) -> torch.Tensor:
    t = torch.as_tensor(x).detach().to("cpu", torch.float64)
    if t.dim() != 2 or len(t) < 2:
        raise ValueError(f"{name} must be features of shape (N, d) with N >= 2, got {tuple(t.shape)}.")
    return t


def _covariance_factor(x: np.ndarray) -> np.ndarray:
    """A factor L of the covariance S = L L^T of features x (N, d); the cheapest one that exists.

    N - 1 <= d: the centred data / sqrt(N - 1) itself (d, N), since S has rank N - 1 at most;
    otherwise Cholesky's (d, d), or the symmetric square root where S is singular and Cholesky fails.
    """
    n, d = x.shape
    centred = x - x.mean(0)
    if n - 1 <= d:
        return centred.T / math.sqrt(n - 1)
    cov = centred.T @ centred / (n - 1)
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        w, v = np.linalg.eigh(cov)
        return (v * np.sqrt(w.clip(min=0))) @ v.T  # rounding's negative eigenvalues set to 0


def frechet_distance(feats_a, feats_b) -> float:
    """The Frechet distance between Gaussians fitted to two feature sets (FID on Inception features):

        d^2 = |mu_a - mu_b|^2 + tr(S_a) + tr(S_b) - 2 tr((S_a S_b)^(1/2)).

    With any factors S_a = L_a L_a^T and S_b = L_b L_b^T, S_a S_b has the eigenvalues of M M^T for
    M = L_a^T L_b, so tr((S_a S_b)^(1/2)) is the sum of the square roots of the eigenvalues of the
    symmetric PSD matrix M M^T: a Cholesky factor and one symmetric eigendecomposition instead of a
    general matrix square root (scipy's sqrtm, which pytorch-fid uses). Faster, and stable where the
    covariances are singular (N <= d), where the factors are the centred features themselves.
    NumPy's LAPACK, not torch's: it runs these float64 decompositions about twice as fast on a CPU.
    """
    a, b = _features(feats_a, "feats_a").numpy(), _features(feats_b, "feats_b").numpy()
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"the feature sets have different widths: {a.shape[1]} and {b.shape[1]}.")
    l_a, l_b = _covariance_factor(a), _covariance_factor(b)
    m = l_a.T @ l_b
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    cross = np.sqrt(np.linalg.eigvalsh(gram).clip(min=0)).sum()
    # tr(S) = tr(L L^T) = the sum of L's squared entries
    return float(np.square(a.mean(0) - b.mean(0)).sum() + np.square(l_a).sum() + np.square(l_b).sum() - 2 * cross)


def inception_score(probs, splits: int = 10) -> tuple[float, float]:
    """IS = exp(E_x KL(p(y|x) || p(y))) from class probabilities (N, classes), on `splits` equal parts
    of the samples (Salimans et al. 2016); returns the mean and standard deviation over the parts.
    1 for a generator whose samples all get the same prediction, the number of classes at most."""
    p = _features(probs, "probs")
    if (p < 0).any() or not torch.allclose(p.sum(1), torch.ones(len(p), dtype=p.dtype), atol=1e-4):
        raise ValueError("probs must be class probabilities (rows of non-negative numbers summing to 1): apply softmax.")
    scores = []
    for part in p.chunk(splits):
        marginal = part.mean(0, keepdim=True)
        kl = torch.where(part > 0, part * (part.log() - marginal.log()), torch.zeros_like(part)).sum(1)  # 0 log 0 = 0
        scores.append(kl.mean().exp())
    scores = torch.stack(scores)
    return scores.mean().item(), (scores.std(unbiased=False).item() if len(scores) > 1 else 0.0)


def kernel_inception_distance(feats_a, feats_b, n_subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> tuple[float, float]:
    """KID (Binkowski et al. 2018): the unbiased estimate of MMD^2 with the polynomial kernel
    k(x, y) = (x.y / d + 1)^3, averaged over random subsets; returns its mean and standard deviation.
    Unbiased: its expectation is 0 when both sets come from the same distribution, at any size."""
    a, b = _features(feats_a, "feats_a"), _features(feats_b, "feats_b")
    m = min(subset_size, len(a), len(b))
    d, rng = a.shape[1], torch.Generator().manual_seed(seed)
    values = []
    for _ in range(n_subsets):
        x = a[torch.randperm(len(a), generator=rng)[:m]]
        y = b[torch.randperm(len(b), generator=rng)[:m]]
        k_xx, k_yy, k_xy = [(u @ v.T / d + 1).pow(3) for u, v in ((x, x), (y, y), (x, y))]
        off = m * (m - 1)
        values.append((k_xx.sum() - k_xx.trace()) / off + (k_yy.sum() - k_yy.trace()) / off - 2 * k_xy.mean())
    values = torch.stack(values)
    return values.mean().item(), (values.std(unbiased=False).item() if len(values) > 1 else 0.0)


def parzen_log_likelihood(samples, test, sigma: float, batch_size: int = 500) -> torch.Tensor:
    """Log-likelihood of each test point under a Gaussian Parzen window on the samples (the 2014
    paper's Table 1): log p(x) = logmeanexp_i [-|x - s_i|^2 / (2 sigma^2)] - d/2 log(2 pi sigma^2).

    Log-mean-exp, not the mean of the logs, and in batches of test points, so 10,000 x 10,000 fits in
    memory. Returns (N_test,) float64."""
    s, t = _features(samples, "samples"), _features(test, "test")
    d = s.shape[1]
    norm = -0.5 * d * math.log(2 * math.pi * sigma ** 2) - math.log(len(s))
    out = [torch.logsumexp(-torch.cdist(batch, s).pow(2) / (2 * sigma ** 2), dim=1) + norm
           for batch in t.split(batch_size)]
    return torch.cat(out)


@dataclass(frozen=True)
class ParzenResult:
    sigma: float        # chosen on the validation set
    mean: float         # mean log-likelihood of the test set
    stderr: float       # its standard error
    validation: dict    # sigma -> mean validation log-likelihood

    def __str__(self) -> str:
        return f"{self.mean:.1f} +- {self.stderr:.1f} (sigma = {self.sigma:g}, chosen on the validation set)"


def parzen_protocol(samples, validation, test, sigmas=None, batch_size: int = 500) -> ParzenResult:
    """The paper's protocol: sigma chosen by the validation log-likelihood from a grid (the test set
    is never used for it), then the test set's mean log-likelihood and its standard error."""
    sigmas = list(sigmas) if sigmas is not None else [float(x) for x in torch.logspace(-1, 0, 10)]
    scores = {sig: parzen_log_likelihood(samples, validation, sig, batch_size).mean().item() for sig in sigmas}
    best = max(scores, key=scores.get)
    ll = parzen_log_likelihood(samples, test, best, batch_size)
    return ParzenResult(best, ll.mean().item(), (ll.std() / math.sqrt(len(ll))).item(), scores)


def precision_recall(real_feats, fake_feats, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkaanniemi et al. 2019): each set's manifold is the union of
    balls around its points reaching their k-th nearest neighbour. Precision: share of fakes inside
    the real manifold (quality); recall: share of reals inside the fake manifold (coverage)."""
    real, fake = _features(real_feats, "real_feats"), _features(fake_feats, "fake_feats")

    def radii(x):  # distance to the k-th neighbour, the point itself excluded
        return torch.cdist(x, x).kthvalue(k + 1, dim=1).values

    def inside(points, centres, r):
        return (torch.cdist(points, centres) <= r.unsqueeze(0)).any(dim=1).float().mean().item()

    return inside(fake, real, radii(real)), inside(real, fake, radii(fake))


def rank_correlation(a, b) -> float:
    """Spearman's rho between two sequences of equal length: the Pearson correlation of their ranks
    (ties ranked by their order). 1: b rises whenever a does; -1: b falls; ~0: no monotone relation.
    Lab 7 compares it for the critic's W1 estimate and for a GAN's D loss against FID over checkpoints."""
    a, b = torch.as_tensor(a, dtype=torch.float64).flatten(), torch.as_tensor(b, dtype=torch.float64).flatten()
    if len(a) != len(b) or len(a) < 3:
        raise ValueError(f"rank_correlation needs two sequences of the same length, at least 3; got {len(a)} and {len(b)}.")
    ra, rb = (x.argsort().argsort().double() for x in (a, b))
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / (ra.norm() * rb.norm()))


def _check_pair(x: torch.Tensor, y: torch.Tensor) -> None:
    if x.shape != y.shape or x.dim() != 4:
        raise ValueError(f"images must be two tensors (N, C, H, W) of one shape, got {tuple(x.shape)} and {tuple(y.shape)}.")


def psnr(x: torch.Tensor, y: torch.Tensor, peak: float = 2.0) -> float:
    """Mean over images of 10 log10(peak^2 / MSE_i) in dB, for images (N, C, H, W); peak = max - min of
    the pixel range (2 for [-1, 1]). An image equal to its reference counts as infinitely good."""
    _check_pair(x, y)
    mse = (x.double() - y.double()).pow(2).flatten(1).mean(1)  # MSE_i, (N,)
    return (10 * torch.log10(peak ** 2 / mse)).mean().item()


def _gaussian_window(sigma: float, radius: int) -> torch.Tensor:
    t = torch.arange(-radius, radius + 1, dtype=torch.float64)
    w = torch.exp(-t ** 2 / (2 * sigma ** 2))
    return w / w.sum()


def ssim(x: torch.Tensor, y: torch.Tensor, data_range: float = 2.0, sigma: float = 1.5) -> float:
    """Mean over images (and channels) of Wang et al.'s SSIM, for images (N, C, H, W) with pixel range
    `data_range`: local means, variances and covariance under an 11-tap Gaussian window (sigma 1.5),

        SSIM = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2)),

    C1 = (0.01 L)^2, C2 = (0.03 L)^2, averaged where the window lies inside the image (as scikit-image's
    structural_similarity(gaussian_weights=True, use_sample_covariance=False))."""
    _check_pair(x, y)
    radius = int(3.5 * sigma + 0.5)
    w = _gaussian_window(sigma, radius).to(x.device)
    n, c, h, width = x.shape
    if min(h, width) <= 2 * radius:
        raise ValueError(f"images of {h}x{width} are too small for SSIM's {2 * radius + 1}-pixel window.")

    def blur(t):  # separable Gaussian over the valid region, per channel
        t = t.reshape(n * c, 1, h, width)
        t = F.conv2d(t, w.view(1, 1, -1, 1))
        return F.conv2d(t, w.view(1, 1, 1, -1))

    x, y = x.double(), y.double()
    mu_x, mu_y = blur(x), blur(y)
    var_x, var_y, cov = blur(x * x) - mu_x ** 2, blur(y * y) - mu_y ** 2, blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2))
    return s.flatten(1).mean(1).mean().item()
