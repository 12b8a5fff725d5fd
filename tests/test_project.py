"""Lab 12's kit: the split, augmentations, the two experiments' networks, training, measuring and the report."""
import urllib.error

import pytest
import torch

from gankit import augment, project
from gankit.data import DataNotFoundError


def _images(n=40, classes=4, channels=3, size=28, seed=0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % classes
    return project.LabelledImages(torch.rand(n, channels, size, size, generator=g) * 2 - 1, labels,
                                  tuple(f"c{i}" for i in range(classes)), "made up", "digits")


def test_the_split_cuts_every_class_at_its_fraction_without_overlap():
    labels = torch.tensor([0] * 50 + [1] * 11 + [2] * 4)
    train, test = project.stratified_split(labels, 0.8, seed=1)
    assert sorted(train.tolist() + test.tolist()) == list(range(len(labels)))
    assert [int((labels[train] == c).sum()) for c in range(3)] == [40, 9, 3]
    assert torch.equal(train, project.stratified_split(labels, 0.8, seed=1)[0])
    assert not torch.equal(train, project.stratified_split(labels, 0.8, seed=2)[0])


def test_augmentations_keep_shape_and_range_and_follow_the_generator():
    x = _images().images
    for name in augment.TABLE:
        a = augment.augment(x, (name,), torch.Generator().manual_seed(0))
        b = augment.augment(x, (name,), torch.Generator().manual_seed(0))
        assert a.shape == x.shape and a.min() >= -1 and a.max() <= 1 and torch.equal(a, b), name
        assert not torch.equal(a, x), name


def test_flips_mirror_and_erase_paints_one_square_the_mean():
    x = _images(n=64).images
    flipped = augment.hflip(x, torch.Generator().manual_seed(0))
    mirrored = torch.tensor([torch.equal(f, i.flip(-1)) for f, i in zip(flipped, x)])
    untouched = torch.tensor([torch.equal(f, i) for f, i in zip(flipped, x)])
    assert (mirrored | untouched).all() and 16 < mirrored.sum() < 48
    erased = augment.erase(x[:1], torch.Generator().manual_seed(0), size=0.25)
    changed = (erased != x[:1]).any(1)[0]
    assert changed.sum() == 49 and torch.allclose(erased[0, :, changed], x[:1].mean())  # one 7x7 square


def test_augmentations_that_change_the_label_are_refused_by_name():
    with pytest.raises(ValueError, match="'hflip' does not keep the labels of digits: digits and text"):
        augment.check_names(("shift", "hflip"), "digits")
    with pytest.raises(ValueError, match="'rotate180' does not keep the labels of photos"):
        augment.check_names(("rotate180",), "photos")
    with pytest.raises(ValueError, match="unknown augmentation 'blur'"):
        augment.check_names(("blur",), "photos")
    augment.check_names(("hflip", "colour"), "photos")
    assert augment.table().count("\n") == len(augment.TABLE) + 1


def test_frozen_transfer_trains_only_the_head_and_keeps_the_backbone_in_eval_mode():
    frozen, tuned = project.pretrained("digits", 3, frozen=True), project.pretrained("digits", 3)
    assert [n for n, p in frozen.named_parameters() if p.requires_grad] == ["head.weight", "head.bias"]
    assert all(p.requires_grad for p in tuned.parameters())
    frozen.train()
    assert frozen.head.training and not frozen.backbone.training
    assert frozen(_images(n=5).images).shape == (5, 3)
    assert tuned(torch.rand(2, 1, 64, 64)).shape == (2, 3)  # grey, larger: adapted to the backbone's 28x28


def test_resnet18_offline_says_what_to_do(monkeypatch):
    import torch.hub

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(ConnectionError, match='offline, use pretrained\\("digits"'):
        project.pretrained("resnet18", 10)
    with pytest.raises(ValueError, match="unknown pretrained network 'vgg'"):
        project.pretrained("vgg", 10)


def test_the_small_cnn_takes_any_size():
    net = project.SmallCNN(1, 5)
    assert net(torch.rand(2, 1, 28, 28)).shape == net(torch.rand(2, 1, 64, 48)).shape == (2, 5)


def _fit(steps, checkpoint):
    torch.manual_seed(0)
    net = project.SmallCNN(3, 4, width=4)
    data = _images()
    h = project.fit(net, data, steps=steps, batch_size=8, augmentations=("shift", "colour"), test=data, judge_every=2,
                    checkpoint=checkpoint, checkpoint_every=1, device="cpu", progress=False)
    return h, torch.cat([p.detach().flatten() for p in net.parameters()])


def test_fit_resumes_where_it_stopped(tmp_path):
    _, straight = _fit(4, None)
    _fit(2, tmp_path / "run.pt")
    history, resumed = _fit(4, tmp_path / "run.pt")
    assert torch.equal(straight, resumed) and history.step == [1, 2, 3, 4]
    assert len(history.extra["loss"]) == 4 and history.extra["judged_at"] == [2.0, 4.0]


def test_fit_refuses_an_unknown_solver_or_a_wrong_augmentation():
    with pytest.raises(ValueError, match="unknown solver 'rmsprop'"):
        project.fit(project.SmallCNN(3, 4), _images(), steps=1, solver="rmsprop", device="cpu")
    with pytest.raises(ValueError, match="'hflip' does not keep the labels of digits"):
        project.fit(project.SmallCNN(3, 4), _images(), steps=1, augmentations=("hflip",), device="cpu")


def test_a_fitted_net_beats_chance_on_images_it_can_tell_apart():
    data = _images(n=80, classes=2)
    bright = data.images.clone()
    bright[data.labels == 1] = bright[data.labels == 1].abs()  # class 1: every pixel >= 0
    bright[data.labels == 0] = -bright[data.labels == 0].abs()
    data = data._replace(images=bright)
    torch.manual_seed(0)
    net = project.SmallCNN(3, 2, width=4)
    before = project.evaluate(net, data)["accuracy"]
    project.fit(net, data, steps=30, batch_size=16, device="cpu", progress=False)
    assert project.evaluate(net, data)["accuracy"] == 1.0 and before < 1.0


def test_confusion_matrix_rows_are_the_true_class():
    m = project.confusion_matrix(torch.tensor([0, 1, 1, 2, 0]), torch.tensor([0, 1, 2, 2, 2]), 3)
    assert m.tolist() == [[1, 0, 0], [0, 1, 0], [1, 1, 1]]


def test_results_table_gives_mean_and_spread_over_seeds_and_the_report_its_files(tmp_path):
    data = _images()
    results = project.run("B", lambda: project.SmallCNN(3, 4, width=4), data, data, seeds=(0, 1), steps=2,
                          judge_every=1, device="cpu", progress=False, folder=tmp_path / "runs")
    results += project.run("B", lambda: project.SmallCNN(3, 4, width=4), data, data, seeds=(0,), steps=2,
                           label="with fakes", device="cpu", progress=False)
    accs = [r.accuracy for r in results[:2]]
    mean, sd = sum(accs) / 2, abs(accs[0] - accs[1]) / 2 ** 0.5
    table = project.results_table(results).splitlines()
    assert table[2] == f"| B | none | {100 * mean:.1f} % ± {100 * sd:.1f} | 2 |"
    assert table[3].startswith("| B | with fakes |") and table[3].endswith("± 0.0 | 1 |")
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["b-none-seed0.pt", "b-none-seed1.pt"]
    paths = project.save_report(results, tmp_path / "report", data.classes)
    assert [p.name for p in paths] == ["results.md", "results.png", "per_class.png", "confusion.png", "curves.png"]
    assert all(p.stat().st_size > 1000 for p in paths[1:]) and "with fakes" in paths[0].read_text()


def test_gan_samples_come_per_class_from_the_training_split():
    data = _images(n=24, classes=3)
    fakes, history = project.gan_samples(data, 5, steps=2, device="cpu", progress=False)
    assert fakes.images.shape == (15, 3, 28, 28) and fakes.labels.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    assert fakes.images.abs().max() <= 1 and history.step == [1, 2]
    both = project.combined(data, fakes)
    assert len(both.labels) == 39 and both.classes == data.classes
    with pytest.raises(ValueError, match="28x28"):
        project.gan_samples(_images(size=32), 5, steps=1, device="cpu", progress=False)


def test_image_folder_reads_one_folder_per_class(tmp_path):
    from PIL import Image

    for cls, colour in (("cat", (255, 0, 0)), ("dog", (0, 0, 255))):
        (tmp_path / "pets" / cls).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB" if i else "L", (40, 30), colour if i else 128).save(tmp_path / "pets" / cls / f"{i}.png")
    pets = project.image_folder(tmp_path / "pets", size=16)
    assert pets.images.shape == (6, 3, 16, 16) and pets.classes == ("cat", "dog") and pets.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert torch.allclose(pets.images[1, 0], torch.tensor(1.0)) and torch.allclose(pets.images[1, 2], torch.tensor(-1.0))
    (tmp_path / "one" / "cat").mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(tmp_path / "one" / "cat" / "a.png")
    with pytest.raises(ValueError, match="1 class folder"):
        project.image_folder(tmp_path / "one")
    with pytest.raises(DataNotFoundError, match="one sub-folder per class"):
        project.image_folder(tmp_path / "nowhere")


def test_torchvision_sets_offline_and_by_a_wrong_name(tmp_path):
    with pytest.raises(DataNotFoundError, match="offline, use project.offline_default"):
        project.torchvision_set("CIFAR10", root=tmp_path, download=False)
    with pytest.raises(ValueError, match="torchvision has no data set 'CIFAR11'"):
        project.torchvision_set("CIFAR11", root=tmp_path)
