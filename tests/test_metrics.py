"""gankit.metrics against independent computations: pytorch-fid, closed forms and direct loops."""
import math

import numpy as np
import pytest
import torch

from gankit import metrics


def test_frechet_distance_matches_pytorch_fid():
    fid = pytest.importorskip("pytorch_fid.fid_score", reason="pytorch-fid is a test dependency (pip install -e .[test])")
    rng = np.random.default_rng(0)
    # N > d (Cholesky factors); N <= d (the centred features as factors); N > d with a repeated and a
    # constant feature (singular covariance: Cholesky fails, the symmetric square root is the factor)
    for n, d, rel, singular in ((400, 32, 1e-6, False), (30, 40, 1e-5, False), (400, 32, 1e-5, True)):
        a = rng.normal(size=(n, d))
        if singular:
            a[:, 1], a[:, 2] = a[:, 0], 3.0
        b = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * 0.3 + 0.5
        want = fid.calculate_frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
        assert metrics.frechet_distance(a, b) == pytest.approx(want, rel=rel)
        assert metrics.frechet_distance(torch.tensor(a, dtype=torch.float32), b) == pytest.approx(want, rel=1e-4)


def _exact(mean, std, n=64, seed=0):
    """n points whose sample mean and covariance are exactly `mean` and diag(std^2)."""
    x = torch.randn(n, len(mean), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    x = x - x.mean(0)
    x = x @ torch.linalg.inv(torch.linalg.cholesky(torch.cov(x.T))).T  # whitened: covariance exactly I
    return x * torch.tensor(std, dtype=torch.float64) + torch.tensor(mean, dtype=torch.float64)


def test_frechet_distance_of_gaussians_is_the_closed_form():
    m1, s1, m2, s2 = [0.0, 1.0, -2.0], [1.0, 2.0, 0.5], [1.0, 1.0, 0.0], [3.0, 0.5, 0.5]
    want = sum((a - b) ** 2 for a, b in zip(m1, m2)) + sum((a - b) ** 2 for a, b in zip(s1, s2))  # diagonal case
    assert metrics.frechet_distance(_exact(m1, s1), _exact(m2, s2, seed=1)) == pytest.approx(want, rel=1e-9)
    assert metrics.frechet_distance(_exact(m1, s1), _exact(m1, s1, seed=2)) == pytest.approx(0, abs=1e-9)


def test_inception_score_of_uniform_and_one_hot_predictions():
    assert metrics.inception_score(torch.full((100, 10), 0.1), splits=5) == pytest.approx((1.0, 0.0))
    one_hot = torch.eye(10).repeat(20, 1)  # every sample certain, classes balanced
    mean, std = metrics.inception_score(one_hot, splits=4)
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError, match="softmax"):
        metrics.inception_score(torch.randn(10, 3))


def test_parzen_matches_a_direct_double_loop():
    g = torch.Generator().manual_seed(0)
    samples, test, sigma = torch.randn(7, 3, generator=g), torch.randn(5, 3, generator=g), 0.7
    want = []
    for x in test.tolist():
        dens = [math.exp(-sum((a - b) ** 2 for a, b in zip(x, s)) / (2 * sigma ** 2)) / (2 * math.pi * sigma ** 2) ** 1.5
                for s in samples.tolist()]
        want.append(math.log(sum(dens) / len(dens)))
    got = metrics.parzen_log_likelihood(samples, test, sigma, batch_size=2)
    assert got.tolist() == pytest.approx(want, rel=1e-10)


def test_parzen_protocol_picks_sigma_on_validation_only():
    g = torch.Generator().manual_seed(1)
    samples, validation = torch.randn(200, 2, generator=g), torch.randn(100, 2, generator=g)
    a = metrics.parzen_protocol(samples, validation, torch.randn(100, 2, generator=g), sigmas=[0.05, 0.3, 3.0])
    b = metrics.parzen_protocol(samples, validation, torch.randn(100, 2, generator=g) * 10, sigmas=[0.05, 0.3, 3.0])
    assert a.sigma == b.sigma == max(a.validation, key=a.validation.get) == 0.3
    assert a.stderr > 0 and a.mean > b.mean


def test_kid_is_the_unbiased_mmd_with_the_cubic_kernel():
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(5, 4, generator=g, dtype=torch.float64), torch.randn(5, 4, generator=g, dtype=torch.float64) + 1
    k = lambda a, b: (float(a @ b) / 4 + 1) ** 3  # noqa: E731
    m = 5
    want = (sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
            + sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
            - 2 * sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m ** 2)
    assert metrics.kernel_inception_distance(x, y, n_subsets=1, subset_size=5)[0] == pytest.approx(want, rel=1e-10)
    same = torch.randn(2000, 8, generator=g)
    mean, _ = metrics.kernel_inception_distance(same[:1000], same[1000:], n_subsets=20, subset_size=200)
    assert abs(mean) < 0.01


def test_precision_recall_against_brute_force():
    g = torch.Generator().manual_seed(3)
    real, fake = torch.randn(30, 2, generator=g), torch.randn(20, 2, generator=g) * 0.5 + 1

    def kth(x, k=3):
        return [sorted(float((p - q).norm()) for q in x)[k] for p in x]  # index k: the point itself is at 0

    def share(points, centres):
        r = kth(centres)
        return sum(any(float((p - c).norm()) <= rc for c, rc in zip(centres, r)) for p in points) / len(points)

    assert metrics.precision_recall(real, fake) == pytest.approx((share(fake, real), share(real, fake)))
    assert metrics.precision_recall(real, real + 100) == (0.0, 0.0)
