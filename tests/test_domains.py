"""Lab 11's kit: MNIST-M's recipe, the digit domains, the domain code, and resumable PixelDA and StarGAN."""
import torch

from gankit import data, models, pixelda, stargan


def test_mnist_m_inverts_the_photo_under_the_strokes_only():
    digits = -torch.ones(3, 1, 28, 28)
    digits[:, :, 10:18, 12:14] = 1.0  # a stroke
    photo = torch.full((3, 40, 50), 0.25)
    out = data.blend_over_photos(digits, [photo], seed=0)
    assert out.shape == (3, 3, 28, 28)
    assert torch.allclose(out[:, :, 10:18, 12:14], torch.tensor(0.5))   # |0.25 - 1| in [-1, 1]
    assert torch.allclose(out[:, :, :10], torch.tensor(-0.5))           # |0.25 - 0| in [-1, 1]


def test_mnist_m_crops_differ_and_follow_the_seed():
    digits = -torch.ones(8, 1, 28, 28)
    photo = torch.rand(3, 60, 60, generator=torch.Generator().manual_seed(0))
    a, b = data.blend_over_photos(digits, [photo], seed=1), data.blend_over_photos(digits, [photo], seed=1)
    assert torch.equal(a, b)
    assert not torch.allclose(a[0], a[1])
    assert not torch.equal(a, data.blend_over_photos(digits, [photo], seed=2))


def test_sample_photos_are_the_two_colour_photos():
    photos = data.sample_photos()
    assert photos.shape == (2, 3, 427, 640) and 0 <= photos.min() and photos.max() <= 1


def test_domains_are_what_their_names_say():
    x = torch.rand(5, 1, 28, 28) * 2 - 1
    assert torch.equal(stargan.restyle(x, "inverted"), -x)
    assert (stargan.restyle(x, "bold") >= x).all() and (stargan.restyle(x, "thin") <= x).all()
    slanted = stargan.restyle(x, "slanted")
    assert slanted.shape == x.shape and not torch.allclose(slanted, x)
    images, domains, digits = stargan.domain_digits(x.repeat(4, 1, 1, 1), torch.arange(20), seed=0)
    assert sorted(digits.tolist()) == list(range(20)) and torch.bincount(domains).tolist() == [5, 5, 5, 5]


def test_with_domain_is_the_image_then_the_label_planes():
    x, c = torch.randn(4, 1, 6, 6), torch.tensor([0, 3, 1, 2])
    want = torch.cat([x, models.label_planes(c, 4, (6, 6))], 1)
    assert torch.equal(stargan.with_domain(x, c, 4), want)


def _pixelda(steps, checkpoint):
    torch.manual_seed(0)
    G, D, T = pixelda.Generator(width=8, blocks=1), pixelda.Discriminator(width=8), pixelda.TaskClassifier()
    g = torch.Generator().manual_seed(1)
    source, target = torch.rand(40, 1, 28, 28, generator=g) * 2 - 1, torch.rand(40, 3, 28, 28, generator=g) * 2 - 1
    labels = torch.randint(10, (40,), generator=g)
    history = pixelda.train(G, D, T, source, labels, target, steps=steps, batch_size=8, device="cpu", progress=False,
                            checkpoint=checkpoint, judge=(target[:10], labels[:10]), judge_every=2)
    return history, torch.cat([p.detach().flatten() for net in (G, D, T) for p in net.parameters()])


def test_pixelda_resumes_where_it_stopped(tmp_path):
    _, straight = _pixelda(4, None)
    _pixelda(2, tmp_path / "run.pt")
    history, resumed = _pixelda(4, tmp_path / "run.pt")
    assert torch.allclose(straight, resumed) and history.step == [1, 2, 3, 4]
    assert len(history.extra["target_accuracy"]) == 2 and history.snapshots[-1].shape == (10, 3, 28, 28)


def test_stargan_trains_and_translates_into_every_domain(tmp_path):
    torch.manual_seed(0)
    G, D = stargan.Generator(width=8, blocks=1), stargan.Discriminator(width=8)
    x = torch.rand(16, 1, 28, 28) * 2 - 1
    history = stargan.train(G, D, x, torch.arange(16) % 4, steps=2, batch_size=4, fixed=x[:3], device="cpu",
                            progress=False, checkpoint=tmp_path / "s.pt")
    assert all(torch.isfinite(torch.tensor(history.d_loss + history.g_loss)))
    assert history.snapshots[-1].shape == (12, 1, 28, 28)
    src, cls = D(x)
    assert src.shape == (16, 1, 3, 3) and cls.shape == (16, 4)
