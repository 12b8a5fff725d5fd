"""Labs 1, 2, 4, 5, 6, 7, 8, 9, 10, 11 and 12: each check passes the solution, fails the release, and names every catalogued mistake."""
import re

import pytest
import torch

import lab01_mistakes
import lab02_mistakes
import lab04_mistakes
import lab05_mistakes
import lab06_mistakes
import lab07_mistakes
import lab08_mistakes
import lab09_mistakes
import lab10_mistakes
import lab11_mistakes
import lab12_mistakes
from gankit import losses, theory
from gankit.checks import CheckFailed
from gankit.checks import cgan, cyclegan, domains, evaluation, minimax, optimal_d, representations, vae, wgan
from gankit.checks import project as project_checks
from gankit.checks import super_resolution as super_resolution_checks
from notebook_edits import answer_namespace, apply

RUNS = {
    "01-minimax": {
        "ex-value": lambda ns: minimax.check_value(ns["value_estimate"]),
        "ex-losses": lambda ns: (minimax.check_d_loss(ns["d_loss"]),
                                 minimax.check_g_losses(ns["g_loss_minimax"], ns["g_loss_nonsaturating"])),
        "ex-gradient": lambda ns: minimax.check_logit_gradient(ns["logit_gradient"], losses.g_loss_minimax,
                                                               losses.g_loss_nonsaturating),
        "ex-algorithm1": lambda ns: minimax.check_algorithm1(ns["algorithm1_iteration"]),
    },
    "02-optimal-d": {
        "ex-optimal-d": lambda ns: optimal_d.check_optimal_d(ns["optimal_d"]),
        "ex-kl": lambda ns: optimal_d.check_kl(ns["kl_divergence"]),
        "ex-jsd": lambda ns: optimal_d.check_jsd(ns["jsd"]),
        "ex-value-at-optimum": lambda ns: optimal_d.check_value_at_optimum(ns["value_at_optimum"]),
        "ex-train-d": lambda ns: optimal_d.check_train_discriminator(ns["train_discriminator"]),
        "ex-two-sample": lambda ns: optimal_d.check_two_sample_accuracy(ns["two_sample_accuracy"]),
    },
    "04-cgan": {
        "ex-one-hot": lambda ns: cgan.check_one_hot(ns["one_hot"]),
        "ex-cond-nets": lambda ns: cgan.check_conditional_nets(ns["CondGenerator"], ns["CondDiscriminator"]),
        "ex-cond-losses": lambda ns: cgan.check_conditional_losses(ns["cgan_d_loss"], ns["cgan_g_loss"]),
        "ex-class-grid": lambda ns: cgan.check_class_grid(ns["class_grid"]),
        "ex-patch-d-loss": lambda ns: cgan.check_patch_d_loss(ns["patch_d_loss"]),
        "ex-pix2pix-g-loss": lambda ns: cgan.check_pix2pix_g_loss(ns["pix2pix_g_loss"]),
    },
    "05-cyclegan": {
        "ex-lsgan": lambda ns: cyclegan.check_lsgan_losses(ns["lsgan_d_loss"], ns["lsgan_g_loss"]),
        "ex-cycle": lambda ns: cyclegan.check_cycle_loss(ns["cycle_loss"]),
        "ex-identity": lambda ns: cyclegan.check_identity_loss(ns["identity_loss"]),
        "ex-generator-loss": lambda ns: cyclegan.check_generator_loss(ns["generator_loss"]),
        "ex-image-pool": lambda ns: cyclegan.check_image_pool(ns["ImagePool"]),
        "ex-train-step": lambda ns: cyclegan.check_train_step(ns["train_step"]),
    },
    "06-evaluation": {
        "ex-parzen": lambda ns: evaluation.check_parzen(ns["parzen_log_likelihood"]),
        "ex-parzen-protocol": lambda ns: evaluation.check_parzen_protocol(ns["parzen_protocol"]),
        "ex-inception-score": lambda ns: evaluation.check_inception_score(ns["inception_score"]),
        "ex-gaussian-fit": lambda ns: evaluation.check_gaussian_fit(ns["mean_and_covariance"]),
        "ex-frechet": lambda ns: evaluation.check_frechet(ns["frechet_distance"]),
    },
    "07-wgan": {
        "ex-w1": lambda ns: wgan.check_wasserstein_1d(ns["wasserstein_1d"]),
        "ex-critic-losses": lambda ns: wgan.check_wgan_losses(ns["critic_loss"], ns["generator_loss"]),
        "ex-clip": lambda ns: wgan.check_clip_weights(ns["clip_weights"]),
        "ex-gradient-penalty": lambda ns: wgan.check_gradient_penalty(ns["gradient_penalty"]),
        "ex-critic": lambda ns: wgan.check_critic(ns["Critic"]),
        "ex-train-step": lambda ns: wgan.check_wgan_iteration(ns["wgan_iteration"]),
    },
    "08-vae": {
        "ex-denoise": lambda ns: vae.check_denoising_loss(ns["denoising_loss"]),
        "ex-head": lambda ns: vae.check_gaussian_head(ns["GaussianHead"]),
        "ex-reparameterize": lambda ns: vae.check_reparameterize(ns["reparameterize"]),
        "ex-kl": lambda ns: vae.check_gaussian_kl(ns["gaussian_kl"]),
        "ex-elbo": lambda ns: vae.check_negative_elbo(ns["negative_elbo"]),
        "ex-sample": lambda ns: vae.check_sample_prior(ns["sample_prior"]),
        "ex-iwae": lambda ns: vae.check_iwae_bound(ns["iwae_bound"]),
    },
    "09-representations": {
        "ex-supervised": lambda ns: representations.check_supervised_loss(ns["supervised_loss"]),
        "ex-unsupervised": lambda ns: representations.check_unsupervised_loss(ns["unsupervised_loss"]),
        "ex-feature-matching": lambda ns: representations.check_feature_matching(ns["feature_matching_loss"]),
        "ex-ssgan-step": lambda ns: representations.check_ssgan_step(ns["ssgan_step"]),
        "ex-sample-latent": lambda ns: representations.check_sample_latent(ns["sample_latent"]),
        "ex-information": lambda ns: representations.check_information_loss(ns["information_loss"]),
        "ex-optimizers": lambda ns: representations.check_infogan_optimizers(ns["infogan_optimizers"]),
        "ex-infogan-step": lambda ns: representations.check_infogan_step(ns["infogan_step"]),
        "ex-match": lambda ns: representations.check_match_codes(ns["match_codes"]),
    },
    "10-super-resolution": {
        "ex-psnr": lambda ns: super_resolution_checks.check_psnr(ns["psnr"]),
        "ex-upsampler": lambda ns: super_resolution_checks.check_upsampler(ns["SubPixelUpsampler"]),
        "ex-residual": lambda ns: super_resolution_checks.check_residual_block(ns["ResidualBlock"]),
        "ex-content": lambda ns: super_resolution_checks.check_content_loss(ns["content_loss"]),
        "ex-g-loss": lambda ns: super_resolution_checks.check_g_loss(ns["srgan_g_loss"]),
        "ex-step": lambda ns: super_resolution_checks.check_srgan_step(ns["srgan_step"]),
    },
    "11-domains": {
        "ex-accuracy": lambda ns: domains.check_accuracy(ns["accuracy_on_target"]),
        "ex-noise": lambda ns: domains.check_with_noise(ns["with_noise"]),
        "ex-task": lambda ns: domains.check_task_loss(ns["task_loss"]),
        "ex-da-step": lambda ns: domains.check_pixelda_step(ns["pixelda_step"]),
        "ex-domain-code": lambda ns: domains.check_with_domain(ns["with_domain"]),
        "ex-star-d-loss": lambda ns: domains.check_star_d_loss(ns["stargan_d_loss"]),
        "ex-star-g-loss": lambda ns: domains.check_star_g_loss(ns["stargan_g_loss"]),
    },
    "12-project": {
        "ex-split": lambda ns: project_checks.check_split(ns["stratified_split"]),
        "ex-cnn": lambda ns: project_checks.check_custom_cnn(ns["CustomCNN"]),
    },
}
CATALOGUE = {"01-minimax": lab01_mistakes, "02-optimal-d": lab02_mistakes, "04-cgan": lab04_mistakes,
             "05-cyclegan": lab05_mistakes, "06-evaluation": lab06_mistakes, "07-wgan": lab07_mistakes,
             "08-vae": lab08_mistakes, "09-representations": lab09_mistakes,
             "10-super-resolution": lab10_mistakes, "11-domains": lab11_mistakes, "12-project": lab12_mistakes}
CASES = [(lab, gid) for lab in RUNS for gid in RUNS[lab]]
MISTAKES = [(lab, *m) for lab, mod in CATALOGUE.items() for m in mod.MISTAKES]


@pytest.mark.parametrize("lab,grade_id", CASES)
def test_solution_passes(notebooks, lab, grade_id, capsys):
    RUNS[lab][grade_id](answer_namespace(notebooks(lab, "solutions"), RUNS[lab]))
    assert capsys.readouterr().out.startswith("OK: ")


@pytest.mark.parametrize("lab,grade_id", CASES)
def test_release_fails(notebooks, lab, grade_id):
    with pytest.raises(NotImplementedError):
        RUNS[lab][grade_id](answer_namespace(notebooks(lab, "notebooks"), RUNS[lab]))


@pytest.mark.parametrize("lab,name,grade_id,old,new,phrase", MISTAKES, ids=[f"{m[0]}: {m[1]}" for m in MISTAKES])
def test_mistake_is_named(notebooks, lab, name, grade_id, old, new, phrase):
    wrong = apply(notebooks(lab, "solutions"), grade_id, old, new)
    with pytest.raises(CheckFailed, match=re.escape(phrase)):
        RUNS[lab][grade_id](answer_namespace(wrong, RUNS[lab]))


@pytest.mark.parametrize("lab", list(CATALOGUE))
def test_catalogue_is_large_and_covers_every_exercise(lab):
    mistakes = CATALOGUE[lab].MISTAKES
    assert len(mistakes) >= 6 and len({m[0] for m in mistakes}) == len(mistakes)
    assert {m[1] for m in mistakes} == set(RUNS[lab]) == set(CATALOGUE[lab].TEST_OF)


# An answer that hands the work to the kit's own implementation, in the ways a student might.
DELEGATIONS = [
    ("06-evaluation", "ex-parzen", "def parzen_log_likelihood(samples, test, sigma):\n"
                                   "    return metrics.parzen_log_likelihood(samples, test, sigma)"),
    ("06-evaluation", "ex-parzen", "parzen_log_likelihood = metrics.parzen_log_likelihood"),
    ("06-evaluation", "ex-parzen", "from gankit.metrics import parzen_log_likelihood as _kit\n"
                                   "parzen_log_likelihood = lambda s, t, sigma: _kit(s, t, sigma)"),
    ("06-evaluation", "ex-inception-score", "def inception_score(probs):\n"
                                            "    return metrics.inception_score(probs, splits=1)[0]"),
    ("06-evaluation", "ex-frechet", "import functools\nfrechet_distance = functools.partial(metrics.frechet_distance)"),
    ("05-cyclegan", "ex-image-pool", "class ImagePool(cyclegan.ImagePool):\n    pass"),
    ("05-cyclegan", "ex-cycle", "def cycle_loss(real, reconstructed, lam=10.0):\n"
                                "    return losses.cycle_loss(real, reconstructed, lam)"),
    ("04-cgan", "ex-one-hot", "def one_hot(labels, n_classes=10):\n    return models.one_hot(labels, n_classes)"),
    ("02-optimal-d", "ex-kl", "def kl_divergence(p, q, dx):\n    return theory.kl(p, q, dx)"),
    ("01-minimax", "ex-algorithm1", "algorithm1_iteration = training.algorithm1_iteration"),
    ("07-wgan", "ex-gradient-penalty", "def gradient_penalty(critic, real, fake, lam=10.0):\n"
                                       "    return losses.gradient_penalty(critic, real, fake, lam)"),
    ("07-wgan", "ex-critic", "Critic = models.DCGANCritic"),
    ("07-wgan", "ex-w1", "def wasserstein_1d(x, y):\n    return theory.wasserstein_1d(x, y)"),
    ("08-vae", "ex-head", "GaussianHead = autoencoders.GaussianHead"),
    ("08-vae", "ex-kl", "def gaussian_kl(mu, logvar):\n    return elbo.gaussian_kl(mu, logvar)"),
    ("08-vae", "ex-iwae", "from gankit.elbo import iwae_bound"),
    ("09-representations", "ex-unsupervised", "unsupervised_loss = semisupervised.unsupervised_loss"),
    ("09-representations", "ex-ssgan-step", "def ssgan_step(*args):\n    return semisupervised.ssgan_step(*args)"),
    ("09-representations", "ex-information", "from gankit.infogan import information_loss"),
    ("09-representations", "ex-match", "def match_codes(confusion):\n    return infogan.match_codes(confusion)"),
    ("10-super-resolution", "ex-psnr", "def psnr(x, y):\n    return metrics.psnr(x, y)"),
    ("10-super-resolution", "ex-upsampler", "SubPixelUpsampler = super_resolution.SubPixelUpsampler"),
    ("10-super-resolution", "ex-residual", "class ResidualBlock(super_resolution.ResidualBlock):\n    pass"),
    ("10-super-resolution", "ex-content", "from gankit.super_resolution import content_loss"),
    ("10-super-resolution", "ex-g-loss", "def srgan_g_loss(*args, **kwargs):\n"
                                         "    return super_resolution.srgan_g_loss(*args, **kwargs)"),
    ("10-super-resolution", "ex-step", "import functools\nsrgan_step = functools.partial(super_resolution.srgan_step)"),
    ("11-domains", "ex-accuracy", "def accuracy_on_target(T, mnist_m):\n"
                                  "    return pixelda.target_accuracy(T, *mnist_m['test'][:2])"),
    ("11-domains", "ex-noise", "with_noise = pixelda.with_noise"),
    ("11-domains", "ex-task", "from gankit.pixelda import task_loss"),
    ("11-domains", "ex-da-step", "def pixelda_step(*args):\n    return pixelda.step(*args)"),
    ("11-domains", "ex-domain-code", "def with_domain(x, c, k):\n"
                                     "    return torch.cat([x, models.label_planes(c, k, x.shape[2:])], 1)"),
    ("11-domains", "ex-star-d-loss", "stargan_d_loss = stargan.d_loss"),
    ("11-domains", "ex-star-g-loss", "import functools\nstargan_g_loss = functools.partial(stargan.g_loss)"),
    ("12-project", "ex-split", "from gankit.project import stratified_split"),
    ("12-project", "ex-split", "def stratified_split(labels, fraction=0.8, seed=0):\n"
                               "    return project.stratified_split(labels, fraction, seed)"),
    ("12-project", "ex-cnn", "class CustomCNN(project.SmallCNN):\n    pass"),
    ("12-project", "ex-cnn", "def CustomCNN(in_channels, n_classes):\n"
                             "    return project.SmallCNN(in_channels, n_classes)"),
]


@pytest.mark.parametrize("lab,grade_id,answer", DELEGATIONS, ids=[f"{d[0]}: {d[2].splitlines()[-1].strip()}" for d in DELEGATIONS])
def test_delegating_to_the_kit_is_caught(lab, grade_id, answer, capsys):
    from gankit import (autoencoders, cyclegan, elbo, infogan, metrics, models, pixelda, project, semisupervised,
                        stargan, super_resolution, training)

    ns = {"torch": torch, "losses": losses, "theory": theory, "metrics": metrics, "models": models,
          "training": training, "cyclegan": cyclegan, "autoencoders": autoencoders, "elbo": elbo,
          "semisupervised": semisupervised, "infogan": infogan, "super_resolution": super_resolution,
          "pixelda": pixelda, "stargan": stargan, "project": project}
    exec(compile(answer, "<student cell>", "exec"), ns)
    with pytest.raises(CheckFailed, match="the kit's own implementation"):
        RUNS[lab][grade_id](ns)
    assert "OK: " not in capsys.readouterr().out  # no success line before the failure


def test_switching_the_call_monitor_off_is_caught():
    ns = {"torch": torch}
    exec(compile("import sys\ndef inception_score(probs):\n    sys.setprofile(None)\n"
                 "    m = probs.mean(0, keepdim=True)\n"
                 "    return (torch.xlogy(probs, probs) - torch.xlogy(probs, m)).sum(1).mean().exp().item()",
                 "<student cell>", "exec"), ns)
    with pytest.raises(CheckFailed, match="switched off"):
        evaluation.check_inception_score(ns["inception_score"])


def test_a_standard_error_from_the_biased_standard_deviation_is_accepted(notebooks, capsys):
    lab = "06-evaluation"
    variant = apply(notebooks(lab, "solutions"), "ex-parzen-protocol", "(ll.std() / math.sqrt(len(ll)))",
                    "(ll.std(unbiased=False) / math.sqrt(len(ll)))")
    RUNS[lab]["ex-parzen-protocol"](answer_namespace(variant, RUNS[lab]))
    assert capsys.readouterr().out.startswith("OK: ")


def test_a_fresh_copy_of_the_checks_ignores_what_the_notebook_replaced(notebooks, monkeypatch, capsys):
    """Hidden tests grade through checks.fresh: replacing a check, a check helper or the kit's reference
    in the notebook's gankit must neither pass a delegating or wrong answer nor fail a correct one."""
    import sys

    import gankit.checks
    from gankit import metrics
    from gankit.checks import fresh

    lab = "06-evaluation"
    ns = answer_namespace(notebooks(lab, "solutions"), RUNS[lab])
    right, kit = ns["parzen_log_likelihood"], metrics.parzen_log_likelihood
    monkeypatch.setattr(evaluation, "check_parzen", lambda f: None)
    monkeypatch.setattr(gankit.checks, "close", lambda *a, **k: True)
    monkeypatch.setattr(gankit.checks, "require", lambda *a, **k: None)
    monkeypatch.setattr(metrics, "parzen_log_likelihood", lambda *a, **k: torch.zeros(1))
    ours = {k: v for k, v in sys.modules.items() if k.startswith("gankit")}
    fresh("evaluation").check_parzen(right)
    assert capsys.readouterr().out == ""  # silent when it passes: the visible check printed its line
    for wrong in (kit, lambda s, t, sigma: kit(s, t, sigma), lambda s, t, sigma: 2 * right(s, t, sigma)):
        with pytest.raises(AssertionError):
            fresh(evaluation).check_parzen(wrong)
    assert {k: v for k, v in sys.modules.items() if k.startswith("gankit")} == ours  # the notebook's modules are back


@pytest.mark.parametrize("tamper,named", [
    ("torch.allclose = lambda *args, **kwargs: True", "torch.allclose"),
    ("torch.Tensor.__lt__ = lambda self, other: True", "torch.Tensor.__lt__"),
    ("import builtins\nbuiltins.abs = lambda x: 0.0", "builtins.abs"),
    ("def abs(x):\n    return 0.0", "abs"),
    ("import types\nmath = types.SimpleNamespace(log=lambda x: 0.0, pi=3.0)", "math"),
])
def test_a_notebook_that_rebinds_what_hidden_tests_use_is_refused(tamper, named, monkeypatch):
    """Hidden tests assert with abs, torch, math in the notebook's namespace: checks.fresh refuses
    a namespace (or a torch, math, builtins) the notebook rebound, naming what was replaced."""
    import builtins
    import math

    for module, attr in ((torch, "allclose"), (torch.Tensor, "__lt__"), (builtins, "abs")):
        monkeypatch.setattr(module, attr, getattr(module, attr))  # put back whatever the cell replaces
    ns = {"torch": torch, "math": math}
    exec(compile("from gankit.checks import fresh\nfresh('evaluation')", "<hidden test>", "exec"), dict(ns))  # clean: no error
    exec(compile(tamper, "<student cell>", "exec"), ns)
    with pytest.raises(CheckFailed, match=f"replaced {re.escape(named)}"):
        exec(compile("from gankit.checks import fresh\nfresh('evaluation')", "<hidden test>", "exec"), ns)
