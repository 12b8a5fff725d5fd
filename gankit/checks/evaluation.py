"""Checks for Lab 6, evaluating GANs. Each compares with an independent computation (a direct loop,
NumPy's general eigenvalues, a closed form) and names the typical mistake it finds.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from gankit import metrics
from gankit.checks import CheckFailed, close, forbids, isolated_rng, passed, require


def _points(seed: int, n: int, d: int, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * scale


def _float(value, name: str) -> float:
    require(isinstance(value, (float, int)) or (torch.is_tensor(value) and value.numel() == 1),
            f"{name} must return a number (a float or a one-element tensor), got {type(value).__name__}.")
    value = float(value)
    require(math.isfinite(value), f"{name} returned {value} on moderate inputs.")
    return value


def _loop_parzen(samples: torch.Tensor, test: torch.Tensor, sigma: float) -> list:
    """log (1/n) sum_i N(x; s_i, sigma^2 I), one test point at a time, with the max pulled out by hand."""
    d, out = samples.shape[1], []
    for x in test.tolist():
        exps = [-sum((a - b) ** 2 for a, b in zip(x, s)) / (2 * sigma ** 2) for s in samples.tolist()]
        top = max(exps)
        out.append(top + math.log(sum(math.exp(e - top) for e in exps) / len(exps)) - d / 2 * math.log(2 * math.pi * sigma ** 2))
    return out


@forbids(metrics.parzen_log_likelihood)
@isolated_rng
def check_parzen(parzen_log_likelihood) -> None:
    """parzen_log_likelihood(samples (n, d), test (m, d), sigma) -> (m,) log-likelihoods under the window."""
    samples, test, sigma = _points(0, 12, 3), _points(1, 5, 3, 1.5), 0.7
    ll = parzen_log_likelihood(samples, test, sigma)
    require(torch.is_tensor(ll) and ll.shape == (5,),
            f"parzen_log_likelihood must return one log-likelihood per test point, shape (m,) = (5,), got "
            f"{tuple(ll.shape) if torch.is_tensor(ll) else type(ll).__name__}: reduce over the samples (dim=1) only.")
    want = torch.tensor(_loop_parzen(samples, test, sigma), dtype=torch.float64)
    ll = ll.double()
    sq = torch.cdist(test, samples).pow(2)
    norm = -1.5 * math.log(2 * math.pi * sigma ** 2)
    if close(ll, (-sq / (2 * sigma ** 2)).mean(1) + norm):
        raise CheckFailed("mean of the logs instead of the log of the mean: the window's density is the mean of the "
                          "n Gaussians, log p(x) = log( (1/n) sum_i exp(.) ), i.e. torch.logsumexp(., dim=1) - log(n).")
    if close(ll, want + math.log(len(samples))):
        raise CheckFailed("log of the sum, not of the mean: subtract log(n), n = the number of samples.")
    if close(ll, want - norm):
        raise CheckFailed("the Gaussian's normalising constant is missing: add -d/2 log(2 pi sigma^2).")
    if close(ll, torch.logsumexp(-sq / (2 * sigma), 1) - math.log(12) + norm):
        raise CheckFailed("the exponent divides by 2 sigma, not 2 sigma^2: -|x - s|^2 / (2 sigma^2).")
    require(close(ll, want, 1e-6), f"parzen_log_likelihood = {ll.tolist()}, expected {want.tolist()} (a direct loop).")
    # far from every sample, exp(.) underflows to 0 in float64 and log(mean(exp)) gives -inf
    far = parzen_log_likelihood(samples, test + 40.0, 0.1)
    require(torch.is_tensor(far) and bool(torch.isfinite(far).all()),
            "the log-likelihood of points far from every sample is -inf: exp underflows. Use torch.logsumexp, "
            "which subtracts the largest exponent before exponentiating.")
    require(close(far.double(), torch.tensor(_loop_parzen(samples, test + 40.0, 0.1), dtype=torch.float64), 1e-6),
            "far from the samples the log-likelihood is wrong: use torch.logsumexp rather than log(exp(.).sum()).")
    passed("parzen_log_likelihood: log-mean-exp of Gaussian windows, stable far from the samples")


def _reference_ll(samples, test, sigma):
    # handed to the student's protocol: a call from here, inside gankit, is not a delegation
    return metrics.parzen_log_likelihood(samples, test, sigma)


@forbids(metrics.parzen_protocol, metrics.parzen_log_likelihood)
@isolated_rng
def check_parzen_protocol(parzen_protocol) -> None:
    """parzen_protocol(samples, validation, test, sigmas, log_likelihood) -> (sigma, mean, standard error):
    sigma picked on the validation set, the mean and standard error reported on the test set."""
    # 1-D: validation points lie ~1 from the samples, test points ~0.1, so the two sets prefer different widths
    samples = torch.zeros(20, 1, dtype=torch.float64) + _points(2, 20, 1, 0.01)
    validation, test = _points(3, 40, 1, 1.0), _points(4, 50, 1, 0.1)
    sigmas = [0.03, 0.1, 0.3, 1.0, 3.0]
    out = parzen_protocol(samples, validation, test, sigmas, _reference_ll)
    require(isinstance(out, (tuple, list)) and len(out) == 3,
            f"parzen_protocol must return (sigma, mean, standard error), got {out!r:.80}.")
    sigma, mean, err = (_float(v, "parzen_protocol") for v in out)
    by_val = {s: _reference_ll(samples, validation, s).mean().item() for s in sigmas}
    by_test = {s: _reference_ll(samples, test, s).mean().item() for s in sigmas}
    best_val, best_test = max(by_val, key=by_val.get), max(by_test, key=by_test.get)
    if sigma == best_test:
        raise CheckFailed(f"sigma picked on the test set ({best_test}): the test set must not choose anything; pick "
                          "sigma by the mean log-likelihood of the validation set, then report the test set's.")
    require(sigma == best_val, f"sigma = {sigma}, but the validation set's mean log-likelihood is highest at {best_val}.")
    ll = _reference_ll(samples, test, best_val)
    if close(mean, by_val[best_val]):
        raise CheckFailed("reported the validation set's log-likelihood: report the test set's mean at the chosen sigma.")
    require(close(mean, ll.mean().item()), f"mean = {mean:.5f}, expected the test set's mean log-likelihood "
                                           f"{ll.mean().item():.5f} at sigma = {best_val}.")
    if close(err, ll.std().item()) or close(err, ll.std(unbiased=False).item()):
        raise CheckFailed("that is the standard deviation: the standard error of the mean is std / sqrt(m), m = test points.")
    root_m = math.sqrt(len(ll))  # either standard deviation will do: divided by m - 1 (torch) or m (NumPy)
    require(close(err, ll.std().item() / root_m) or close(err, ll.std(unbiased=False).item() / root_m),
            f"standard error = {err:.5f}, expected std / sqrt(m) = {ll.std().item() / root_m:.5f}.")
    passed("parzen_protocol: sigma chosen on validation, test mean +- standard error")


@forbids(metrics.inception_score)
@isolated_rng
def check_inception_score(inception_score) -> None:
    """inception_score(probs (N, classes)) = exp(mean_x KL(p(y|x) || p(y))), p(y) = mean_x p(y|x)."""
    n, k = 200, 10
    probs = torch.softmax(_points(5, n, k, 2.0), dim=1)
    score = _float(inception_score(probs), "inception_score")
    marginal = probs.mean(0, keepdim=True)
    kl = (probs * (probs.log() - marginal.log())).sum(1)
    want = kl.mean().exp().item()
    if close(score, kl.mean().item()):
        raise CheckFailed("returned the mean KL, the log of the score: IS = exp(mean KL).")
    swapped = (marginal * (marginal.log() - probs.log())).sum(1).mean().exp().item()
    if close(score, swapped):
        raise CheckFailed("KL arguments swapped: IS uses KL(p(y|x) || p(y)) = sum_y p(y|x) (log p(y|x) - log p(y)).")
    wrong_axis = probs.mean(1, keepdim=True)
    if close(score, (probs * (probs.log() - wrong_axis.log())).sum(1).mean().exp().item()):
        raise CheckFailed("p(y) averaged over the classes: the marginal p(y) is the mean of p(y|x) over the samples (dim=0).")
    require(close(score, want), f"inception_score = {score:.5f}, expected {want:.5f} = exp(mean_x KL(p(y|x) || p(y))).")
    uniform = _float(inception_score(torch.full((n, k), 1.0 / k, dtype=torch.float64)), "inception_score")
    require(close(uniform, 1.0), f"IS of predictions that are all uniform is 1 (nothing is recognised), got {uniform:.4f}.")
    one_hot = torch.eye(k, dtype=torch.float64).repeat(n // k, 1)
    value = inception_score(one_hot)
    require(math.isfinite(float(value)), "IS of confident one-hot predictions is NaN: 0 log 0 must count as 0; use "
                                         "torch.xlogy(p, p) or clamp the probabilities with .clamp_min(1e-12) before log.")
    require(close(float(value), k, 1e-4), f"IS of one-hot predictions spread evenly over {k} classes is {k}, got {float(value):.4f}.")
    passed("inception_score: exp of the mean KL(p(y|x) || p(y)); 1 for uniform, the number of classes for one-hot")


@isolated_rng
def check_gaussian_fit(mean_and_covariance) -> None:
    """mean_and_covariance(feats (N, d)) -> mean (d,), covariance (d, d), unbiased like np.cov."""
    feats = _points(6, 30, 4) @ _points(7, 4, 4) + torch.tensor([3.0, -2.0, 1.0, 5.0], dtype=torch.float64)
    out = mean_and_covariance(feats)
    require(isinstance(out, (tuple, list)) and len(out) == 2, "mean_and_covariance must return (mean, covariance).")
    mu, cov = (torch.as_tensor(v, dtype=torch.float64) for v in out)
    require(mu.shape == (4,), f"the mean must have shape (d,) = (4,), got {tuple(mu.shape)}: average over the samples (dim=0).")
    if cov.shape == (30, 30):
        raise CheckFailed("covariance of the samples, not of the features: features are the columns, S is (d, d) = X_c^T X_c / (N - 1).")
    require(cov.shape == (4, 4), f"the covariance must have shape (d, d) = (4, 4), got {tuple(cov.shape)}.")
    require(close(mu, feats.mean(0)), "the mean is wrong: mu = the average of the rows, feats.mean(0).")
    want = torch.as_tensor(np.cov(feats.numpy(), rowvar=False))
    if close(cov, feats.T @ feats / 29) or close(cov, feats.T @ feats / 30):
        raise CheckFailed("covariance without the mean term: subtract the mean first, S = (X - mu)^T (X - mu) / (N - 1).")
    if close(cov, want * 29 / 30):
        raise CheckFailed("divided by N: the unbiased covariance divides by N - 1, as np.cov and pytorch-fid do.")
    require(close(cov, want), "the covariance differs from np.cov(feats, rowvar=False).")
    passed("mean_and_covariance: mean and unbiased covariance of the features")


def _tr_sqrt_product(s1: np.ndarray, s2: np.ndarray) -> float:
    """tr((S1 S2)^(1/2)) from the general (non-symmetric) eigenvalues of S1 S2, all real and >= 0."""
    return float(np.sqrt(np.clip(np.linalg.eigvals(s1 @ s2).real, 0, None)).sum())


def _sqrtm_sym(s: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(s)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


@forbids(metrics.frechet_distance, metrics._covariance_factor)
@isolated_rng
def check_frechet(frechet_distance) -> None:
    """frechet_distance(mu1, S1, mu2, S2) = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^(1/2))."""
    a, b = _points(8, 40, 5), _points(9, 40, 5) @ _points(10, 5, 5) * 0.6 + 0.3
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = torch.cov(a.T), torch.cov(b.T)
    value = _float(frechet_distance(mu1, s1, mu2, s2), "frechet_distance")
    n1, n2 = s1.numpy(), s2.numpy()
    mean_term, traces = (mu1 - mu2).pow(2).sum().item(), (s1.trace() + s2.trace()).item()
    want = mean_term + traces - 2 * _tr_sqrt_product(n1, n2)
    if close(value, mean_term) or close(value, mean_term + traces):
        raise CheckFailed("the trace term is missing: FID = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)); the means "
                          "alone ignore the spread of the features.")
    diag = np.diag(n1 @ n2)
    for elementwise in (np.sqrt(diag).sum(), np.sqrt(np.diag(n1) * np.diag(n2)).sum()):
        if close(value, mean_term + traces - 2 * elementwise):
            raise CheckFailed("the square root was taken elementwise: (S1 S2)^(1/2) is a matrix square root (a matrix "
                              "whose square is S1 S2), not the square roots of its entries.")
    if close(value, mean_term + traces - 2 * np.trace(_sqrtm_sym(n1) @ _sqrtm_sym(n2))):
        raise CheckFailed("tr(S1^(1/2) S2^(1/2)) is not tr((S1 S2)^(1/2)) unless S1 and S2 commute: take the "
                          "eigenvalues of S1^(1/2) S2 S1^(1/2) and sum their square roots.")
    if close(value, mean_term + traces - _tr_sqrt_product(n1, n2)):
        raise CheckFailed("the cross term needs its factor 2: - 2 tr((S1 S2)^(1/2)).")
    if close(value, math.sqrt(mean_term) + traces - 2 * _tr_sqrt_product(n1, n2)):
        raise CheckFailed("the mean term is the squared distance |mu1 - mu2|^2, not the distance.")
    require(close(value, want), f"frechet_distance = {value:.6f}, expected {want:.6f}.")
    same = _float(frechet_distance(mu1, s1, mu1, s1), "frechet_distance")
    require(abs(same) < 1e-6, f"the distance of a Gaussian to itself is 0, got {same:.3g}.")
    # singular covariances (fewer samples than dimensions): rounding makes tiny eigenvalues negative
    c, e = _points(11, 4, 8), _points(12, 4, 8)
    sc, se = torch.cov(c.T), torch.cov(e.T)
    nan_hint = ("NaN on singular covariances (N <= d): rounding makes tiny eigenvalues negative; clamp them to 0 "
                "(.clamp(min=0)) before every square root.")
    try:
        low = frechet_distance(c.mean(0), sc, e.mean(0), se)
    except RuntimeError as err:  # a NaN square root fed to the next eigendecomposition: it does not converge
        raise CheckFailed(f"{nan_hint} ({type(err).__name__}: {str(err).splitlines()[0][:80]})") from None
    require(math.isfinite(float(low)), nan_hint)
    want_low = ((c.mean(0) - e.mean(0)).pow(2).sum() + sc.trace() + se.trace()).item() - 2 * _tr_sqrt_product(sc.numpy(), se.numpy())
    require(close(float(low), want_low, 1e-5), f"on singular covariances: {float(low):.6f}, expected {want_low:.6f}.")
    passed("frechet_distance: means, traces and the matrix square root of S1 S2; stable when singular")
