import pytest
import torch

from gankit import models, training


def small_pair():
    torch.manual_seed(0)
    return models.MLPGenerator(8, hidden=(32,)), models.MLPDiscriminator(hidden=(32,))


IMAGES = torch.rand(200, 1, 28, 28) * 2 - 1


def test_train_records_history_and_snapshots():
    G, D = small_pair()
    h = training.train(G, D, IMAGES, steps=12, batch_size=16, k=2, device="cpu", progress=False, snapshot_every=5)
    assert h.step == list(range(1, 13)) and len(h.d_loss) == 12 and len(h.d_fake) == 12
    assert h.snapshot_steps == [5, 10, 12] and h.snapshots[0].shape == (64, 1, 28, 28)
    assert all(0 < p < 1 for p in h.d_real + h.d_fake)


def test_resume_from_a_checkpoint_continues_the_same_run(tmp_path):
    G1, D1 = small_pair()
    straight = training.train(G1, D1, IMAGES, steps=10, batch_size=16, device="cpu", progress=False)
    G2, D2 = small_pair()
    ckpt = tmp_path / "run.pt"
    training.train(G2, D2, IMAGES, steps=6, batch_size=16, device="cpu", progress=False, checkpoint=ckpt)
    G3, D3 = small_pair()  # a fresh process would start from new models
    resumed = training.train(G3, D3, IMAGES, steps=10, batch_size=16, device="cpu", progress=False, checkpoint=ckpt)
    assert resumed.step == straight.step
    assert resumed.d_loss == pytest.approx(straight.d_loss, rel=1e-5)
    for a, b in zip(G1.parameters(), G3.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_max_seconds_stops_early():
    G, D = small_pair()
    h = training.train(G, D, IMAGES, steps=10**6, batch_size=16, device="cpu", progress=False, max_seconds=0.5)
    assert 0 < h.step[-1] < 10**6 and h.snapshot_steps[-1] == h.step[-1]


def test_train_iteration_moves_both_players_and_leaves_g_out_of_the_d_step():
    G, D = small_pair()
    opt_G, opt_D = torch.optim.SGD(G.parameters(), lr=0.1), torch.optim.SGD(D.parameters(), lr=0.1)
    g0, d0 = [p.clone() for p in G.parameters()], [p.clone() for p in D.parameters()]
    stats = training.train_iteration(G, D, opt_G, opt_D, [IMAGES[:8]], lambda m: torch.randn(m, 8))
    assert set(stats) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert any(not torch.equal(a, b) for a, b in zip(g0, G.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(d0, D.parameters()))


def test_sample_returns_cpu_images_in_range():
    G, _ = small_pair()
    x = training.sample(G, 7, seed=1)
    assert x.shape == (7, 1, 28, 28) and x.device.type == "cpu"
    assert torch.equal(x, training.sample(G, 7, seed=1))


def test_sample_gives_a_conditional_generator_one_label_per_image():
    G = models.ConditionalGenerator(8, ngf=4).eval()
    labels = torch.tensor([3, 1, 4, 1, 5])
    x = training.sample(G, 5, seed=2, batch_size=2, labels=labels)
    rng = torch.Generator().manual_seed(2)
    z = torch.cat([torch.randn(m, 8, generator=rng) for m in (2, 2, 1)])  # drawn batch by batch, as sample does
    with torch.no_grad():
        assert torch.allclose(x, G(z, labels), atol=1e-6)
    with pytest.raises(ValueError, match="one class per image"):
        training.sample(G, 4, labels=labels)


def test_conditional_training_pairs_images_with_labels_and_resumes(tmp_path):
    labels = torch.arange(200) % 10

    def run(steps, ckpt=None):
        torch.manual_seed(0)
        G, D = models.ConditionalGenerator(8, ngf=4), models.ConditionalDiscriminator(ndf=4)
        h = training.train_conditional(G, D, IMAGES, labels, steps=steps, batch_size=8, device="cpu",
                                       progress=False, n_snapshot=20, checkpoint=ckpt)
        return G, h

    G1, straight = run(6)
    run(3, tmp_path / "c.pt")
    G2, resumed = run(6, tmp_path / "c.pt")
    assert resumed.d_loss == pytest.approx(straight.d_loss, rel=1e-5)
    assert straight.snapshots[-1].shape == (20, 1, 28, 28)
    assert all(0 < p < 1 for p in straight.d_real + straight.d_fake)  # caught from the loss's own calls to D
    for a, b in zip(G1.parameters(), G2.parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_conditional_iteration_shows_d_each_batch_with_its_own_labels():
    seen = []

    class D(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1))

        def forward(self, x, y):
            seen.append((x.detach(), y))
            return self.w * x.flatten(1).mean(1, keepdim=True)

    G, real, y = models.ConditionalGenerator(8, ngf=4), torch.rand(4, 1, 28, 28), torch.tensor([1, 2, 3, 4])
    d = D()
    opt_G, opt_D = torch.optim.SGD(G.parameters(), lr=0.1), torch.optim.SGD(d.parameters(), lr=0.1)
    training.conditional_iteration(G, d, opt_G, opt_D, [(real, y)], lambda m: torch.randn(m, 8))
    assert torch.equal(seen[0][0], real) and all(torch.equal(labels, y) for _, labels in seen)


def test_pix2pix_training_records_l1_and_translates_fixed_inputs():
    torch.manual_seed(0)
    G, D = models.UNetGenerator(ngf=4), models.PatchDiscriminator(2, ndf=4, n_layers=1, norm="batch")
    inputs = -IMAGES
    h = training.train_pix2pix(G, D, inputs, IMAGES, steps=5, batch_size=8, device="cpu", progress=False,
                               n_snapshot=6)
    assert len(h.extra["l1"]) == 5 and all(0 < v < 2 for v in h.extra["l1"])
    assert h.snapshots[-1].shape == (6, 1, 28, 28)
