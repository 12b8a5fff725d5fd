"""The shipped digit classifier: small, loads offline, and reads real digits it was not trained on."""
import torch

from gankit import classifier, data


def test_shipped_weights_are_small_and_load_without_data():
    assert classifier.WEIGHTS.stat().st_size < 1_000_000
    model = classifier.pretrained()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10) and model.features(torch.zeros(2, 1, 28, 28)).shape == (2, 64)
    report = torch.load(classifier.WEIGHTS, weights_only=True)["report"]
    assert report["trained_on"].startswith("MNIST") and "test" in report["trained_on"]


def test_reads_the_held_out_training_digits(shared_data):
    # the weights were fitted to the MNIST test set; the 5k training subset was never seen
    held_out = data.mnist("train", shared_data, download=False)
    model = classifier.pretrained()
    assert classifier.accuracy(model, held_out.images, held_out.labels) > 0.97
    per_class = classifier.class_accuracy(model, held_out.images, held_out.labels)
    assert per_class.shape == (10,) and per_class.min() > 0.9


def test_class_accuracy_of_a_label_blind_generator_is_chance():
    model = classifier.pretrained()
    images = torch.rand(300, 1, 28, 28) * 2 - 1
    wanted = torch.arange(300) % 10
    assert classifier.class_accuracy(model, images, wanted).mean() < 0.2
