"""Lab 9's kit pieces: the implicit fake class, the 100-label protocol, InfoGAN's latent, information
term and matching, and both training runs (resumed exactly)."""
import math

import pytest
import torch
import torch.nn.functional as F

from gankit import data, infogan, semisupervised


def test_the_implicit_fake_class_gives_the_closed_forms():
    zeros = torch.zeros(3, 10)
    assert torch.allclose(semisupervised.fake_probability(zeros), torch.full((3,), 1 / 11))
    # -log D(real) - log(1 - D(fake)) with D = 10/11 for all-zero logits
    assert math.isclose(semisupervised.unsupervised_loss(zeros, zeros).item(), math.log(11 / 10) + math.log(11),
                        rel_tol=1e-6)
    # the same as an explicit (K+1)-class softmax whose fake logit is 0
    logits = torch.randn(6, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    explicit = F.softmax(F.pad(logits, (0, 1)), dim=1)[:, -1]
    assert torch.allclose(semisupervised.fake_probability(logits), explicit)
    want = -(1 - explicit).log().mean() - explicit.log().mean()
    assert torch.allclose(semisupervised.unsupervised_loss(logits, logits), want)


def test_the_unsupervised_loss_is_finite_for_huge_logits():
    big = torch.full((2, 10), 500.0)
    loss = semisupervised.unsupervised_loss(big, -big)
    assert torch.isfinite(loss) and loss.item() < 1e-6  # real read as real, fake as fake: almost no loss


def test_the_supervised_loss_reads_only_the_labelled_rows():
    logits = torch.randn(4, 10, generator=torch.Generator().manual_seed(1))
    labelled = torch.tensor([True, False, True, False])
    a = semisupervised.supervised_loss(logits, torch.tensor([1, 2, 3, 4]), labelled)
    b = semisupervised.supervised_loss(logits, torch.tensor([1, -1, 3, -1]), labelled)
    assert torch.equal(a, b) and torch.allclose(a, F.cross_entropy(logits[[0, 2]], torch.tensor([1, 3])))


def test_feature_matching_is_zero_for_equal_means_and_trains_only_the_fake_side():
    f = torch.randn(5, 3, generator=torch.Generator().manual_seed(2))
    real, fake = f.clone().requires_grad_(), f.flip(0).clone().requires_grad_()
    assert semisupervised.feature_matching_loss(real, fake).item() < 1e-12
    semisupervised.feature_matching_loss(real, fake + 1).backward()
    assert real.grad is None and fake.grad.abs().sum() > 0


def test_choose_labelled_takes_per_class_of_each_class_the_same_for_a_seed():
    labels = torch.arange(10).repeat(30)
    idx = semisupervised.choose_labelled(labels, per_class=10, seed=3)
    assert torch.equal(torch.bincount(labels[idx], minlength=10), torch.full((10,), 10))
    assert len(set(idx.tolist())) == 100
    assert torch.equal(idx, semisupervised.choose_labelled(labels, per_class=10, seed=3))
    assert not torch.equal(idx, semisupervised.choose_labelled(labels, per_class=10, seed=4))
    with pytest.raises(ValueError, match="class 0 has 30 images"):
        semisupervised.choose_labelled(labels, per_class=31)


def test_the_semisupervised_d_adds_noise_in_training_only():
    D = semisupervised.SemiSupervisedD()
    x = torch.zeros(2, 1, 28, 28)
    logits, features = D(x)
    assert logits.shape == (2, 10) and features.shape == (2, 250)
    D.eval()
    assert torch.equal(D(x)[0], D(x)[0])
    D.train()
    assert not torch.equal(D(x)[0], D(x)[0])
    assert semisupervised.SemiSupervisedG()(torch.rand(3, 100)).shape == (3, 1, 28, 28)


def _small():
    digits = data.digits()
    return digits.images[:300], digits.labels[:300]


def test_training_shows_the_step_only_the_chosen_labels(tmp_path):
    images, labels = _small()
    idx = semisupervised.choose_labelled(labels, per_class=2, seed=0)
    seen = []

    def spy(G, D, opt_g, opt_d, x, y, labelled, z):
        seen.append((y.clone(), labelled.clone()))
        return semisupervised.ssgan_step(G, D, opt_g, opt_d, x, y, labelled, z)

    semisupervised.train_semisupervised(semisupervised.SemiSupervisedD(widths=(32, 16)), images, labels, idx, steps=3,
                                        G=semisupervised.SemiSupervisedG(hidden=32), step_fn=spy, batch_size=8,
                                        device="cpu", progress=False)
    allowed = set(labels[idx].tolist())
    for y, labelled in seen:
        assert (y[~labelled] == -1).all() and set(y[labelled].tolist()) <= allowed and labelled.sum() == 8


def test_semisupervised_training_records_accuracy_and_resumes_exactly(tmp_path):
    images, labels = _small()
    idx = semisupervised.choose_labelled(labels, per_class=3, seed=0)

    def run(steps, checkpoint=None, end=None):
        torch.manual_seed(0)
        D, G = semisupervised.SemiSupervisedD(widths=(32, 16)), semisupervised.SemiSupervisedG(hidden=32)
        if end is not None:  # an interrupted run: stop after `end` iterations by a time budget of 0 s
            semisupervised.train_semisupervised(D, images, labels, idx, steps=end, G=G, batch_size=8, device="cpu",
                                                progress=False, checkpoint=checkpoint)
            torch.manual_seed(0)
            D, G = semisupervised.SemiSupervisedD(widths=(32, 16)), semisupervised.SemiSupervisedG(hidden=32)
        h = semisupervised.train_semisupervised(D, images, labels, idx, steps=steps, G=G, batch_size=8, device="cpu",
                                                progress=False, checkpoint=checkpoint, test=(images, labels), eval_every=3)
        return h, torch.cat([p.flatten() for p in (*D.parameters(), *G.parameters())])

    whole, w = run(6)
    resumed, r = run(6, tmp_path / "ss.pt", end=3)
    assert whole.extra["accuracy_step"] == [3, 6] and all(0 <= a <= 1 for a in whole.extra["accuracy"])
    assert resumed.step == list(range(1, 7)) and torch.equal(w, r)


def test_sample_latent_lays_out_noise_code_and_continuous_codes():
    z, c, u = infogan.sample_latent(1000, generator=torch.Generator().manual_seed(0))
    assert z.shape == (1000, 74) and torch.equal(z[:, 62:72], F.one_hot(c, 10).float()) and torch.equal(z[:, 72:], u)
    assert u.min() >= -1 and u.max() <= 1 and u.min() < -0.9 and u.max() > 0.9
    assert torch.equal(infogan.with_codes(z[:, :62], c, u), z)


def test_information_loss_is_zero_for_a_perfect_q_and_log_k_for_an_ignorant_one():
    c, u = torch.tensor([2, 7]), torch.tensor([[0.5, -0.5], [1.0, 0.0]])
    assert infogan.information_loss(100 * F.one_hot(c, 10).float(), u, c, u).item() < 1e-6
    ignorant = infogan.information_loss(torch.zeros(2, 10), torch.zeros(2, 2), c, u)
    assert math.isclose(ignorant.item(), math.log(10) + 0.5 * (0.5 + 1.0) / 2, rel_tol=1e-6)


def test_match_codes_is_one_to_one_and_maximal():
    perm = torch.tensor([3, 0, 1, 2, 9, 8, 7, 6, 5, 4])
    confusion = torch.ones(10, 10, dtype=torch.long)
    confusion[torch.arange(10), perm] = 50
    confusion[1, 3] = 60  # tempting: code 1 to digit 3, which code 0 needs more
    mapping = infogan.match_codes(confusion)
    assert torch.equal(mapping, perm)
    assert math.isclose(infogan.matched_accuracy(confusion, mapping), 500 / confusion.sum().item())


def test_code_grid_and_confusions_have_the_documented_shapes():
    G, D, Q = infogan.reference_infogan()
    assert infogan.code_grid(G, n_columns=5, code=1).shape == (10, 5, 1, 28, 28)
    reader = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    confusion = infogan.code_confusion(G, reader, n_per_code=7)
    assert confusion.shape == (10, 10) and torch.equal(confusion.sum(1), torch.full((10,), 7))
    images, labels = _small()
    q = infogan.q_confusion(D, Q, images, labels, batch_size=128)
    assert q.shape == (10, 10) and q.sum().item() == len(images) and torch.equal(q.sum(0), torch.bincount(labels, minlength=10))


def test_infogan_training_lowers_the_information_term_and_resumes_exactly(tmp_path):
    images, _ = _small()

    def run(steps, checkpoint=None, first=None):
        nets = None
        for n in ([first] if first else []) + [steps]:
            torch.manual_seed(0)
            nets = infogan.reference_infogan(ndf=8)
            h = infogan.train_infogan(*nets, images, steps=n, batch_size=16, device="cpu", progress=False,
                                      checkpoint=checkpoint)
        return h, torch.cat([p.flatten() for net in nets for p in net.parameters()])

    whole, w = run(30)
    resumed, r = run(30, tmp_path / "info.pt", first=10)
    assert resumed.step == list(range(1, 31)) and torch.equal(w, r)
    info = whole.extra["info"]
    assert sum(info[-5:]) / 5 < sum(info[:5]) / 5  # Q learns to read the codes back
    assert whole.snapshots[-1].shape == (80, 1, 28, 28)
