"""Typical wrong answers to Lab 9, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_SUP = "return F.cross_entropy(logits[labelled], labels[labelled])"
_UNSUP = "return (F.softplus(log_z_real) - log_z_real).mean() + F.softplus(log_z_fake).mean()"
_FM = "return (f_real.detach().mean(0) - f_fake.mean(0)).pow(2).mean()"
_SS_D = "loss_d = supervised_loss(logits_real, y, labelled) + unsupervised_loss(logits_real, logits_fake)"
_SS_BEFORE = "    logits_real, _ = D(x)\n    logits_fake, _ = D(fake.detach())\n    " + _SS_D + """
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    _, f_real = D(x)
"""
_U = "u = torch.rand(n, infogan.N_CONTINUOUS, generator=generator) * 2 - 1"
_INFO = "return F.cross_entropy(q_logits, c) + 0.5 * (q_mean - u).pow(2).sum(1).mean()"
_OPT_D = "opt_d = torch.optim.Adam(list(D.parameters()) + list(Q.parameters()), lr=2e-4, betas=(0.5, 0.999))"
_G_LOSS = "loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit)) + lam * info"
_D_INFO = "              + lam * information_loss(*Q(h_fake), c, u))"

MISTAKES = [
    ("label leakage: the labels of every image used", "ex-supervised", _SUP, "return F.cross_entropy(logits, labels)",
     "label leakage"),
    ("a softmax before the cross-entropy", "ex-supervised", _SUP,
     "return F.cross_entropy(logits[labelled].softmax(1), labels[labelled])", "a softmax before the cross-entropy"),
    ("the fake class as an eleventh logit in the supervised loss", "ex-supervised", _SUP,
     "return F.cross_entropy(F.pad(logits[labelled], (0, 1)), labels[labelled])", "eleventh logit"),
    ("the fake class as an eleventh logit and also implicitly", "ex-unsupervised",
     "log_z_real = torch.logsumexp(logits_real, dim=1)\n    log_z_fake = torch.logsumexp(logits_fake, dim=1)",
     "log_z_real = torch.logsumexp(F.pad(logits_real, (0, 1)), dim=1)\n"
     "    log_z_fake = torch.logsumexp(F.pad(logits_fake, (0, 1)), dim=1)", "eleventh logit and also implicitly"),
    ("log Z without logsumexp", "ex-unsupervised", "log_z_real = torch.logsumexp(logits_real, dim=1)",
     "log_z_real = logits_real.exp().sum(1).log()", "exp overflows"),
    ("generated images scored as real", "ex-unsupervised", _UNSUP,
     "return (F.softplus(log_z_real) - log_z_real).mean() + (F.softplus(log_z_fake) - log_z_fake).mean()",
     "generated images scored as real"),
    ("the largest logit for log Z", "ex-unsupervised",
     "log_z_real = torch.logsumexp(logits_real, dim=1)\n    log_z_fake = torch.logsumexp(logits_fake, dim=1)",
     "log_z_real = logits_real.max(1).values\n    log_z_fake = logits_fake.max(1).values", "the largest logit"),
    ("feature matching with the generated side detached", "ex-feature-matching", _FM,
     "return (f_real.detach().mean(0) - f_fake.detach().mean(0)).pow(2).mean()", "the generated side detached"),
    ("feature matching with the real side not detached", "ex-feature-matching", _FM,
     "return (f_real.mean(0) - f_fake.mean(0)).pow(2).mean()", "the real side not detached"),
    ("feature matching image by image", "ex-feature-matching", _FM,
     "return (f_real.detach() - f_fake).pow(2).mean()", "each real image matched with one generated image"),
    ("the unsupervised loss on labelled images only", "ex-ssgan-step", _SS_D,
     "loss_d = supervised_loss(logits_real, y, labelled) + unsupervised_loss(logits_real[labelled], logits_fake)",
     "the unsupervised loss on the labelled images only"),
    ("label leakage in the step", "ex-ssgan-step", _SS_D,
     "loss_d = supervised_loss(logits_real, y, y >= 0) + unsupervised_loss(logits_real, logits_fake)",
     "label leakage"),
    ("G's features from a detached fake", "ex-ssgan-step", "_, f_fake = D(fake)", "_, f_fake = D(fake.detach())",
     "generated side detached"),
    ("G's features from before D's update", "ex-ssgan-step", _SS_BEFORE, _SS_BEFORE.replace(
        "logits_real, _ = D(x)", "logits_real, f_real = D(x)").replace("    _, f_real = D(x)\n", ""),
     "taken from before D's update"),
    ("fakes not detached in the semi-supervised D step", "ex-ssgan-step", "logits_fake, _ = D(fake.detach())",
     "logits_fake, _ = D(fake)", "fakes not detached in D's step"),
    ("continuous codes from N(0, 1)", "ex-sample-latent", _U,
     "u = torch.randn(n, infogan.N_CONTINUOUS, generator=generator)", "drawn from N(0, 1)"),
    ("continuous codes from U(0, 1)", "ex-sample-latent", _U,
     "u = torch.rand(n, infogan.N_CONTINUOUS, generator=generator)", "U(0, 1)"),
    ("the one-hot block not of the returned code", "ex-sample-latent",
     "F.one_hot(c, infogan.N_CATEGORIES)", "F.one_hot(c.flip(0), infogan.N_CATEGORIES)", "is not one_hot(c)"),
    ("a softmax before the information cross-entropy", "ex-information", _INFO,
     "return F.cross_entropy(q_logits.softmax(1), c) + 0.5 * (q_mean - u).pow(2).sum(1).mean()",
     "a softmax before the cross-entropy"),
    ("the Gaussian term averaged over codes", "ex-information", _INFO,
     "return F.cross_entropy(q_logits, c) + F.mse_loss(q_mean, u)", "averaged over the continuous codes"),
    ("the information term's sign flipped", "ex-information", _INFO,
     "return -(F.cross_entropy(q_logits, c) + 0.5 * (q_mean - u).pow(2).sum(1).mean())", "wrong sign"),
    ("Q's parameters missing from the optimiser", "ex-optimizers", _OPT_D,
     "opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))", "Q's parameters missing"),
    ("the learning rates swapped", "ex-optimizers", "lr=1e-3, betas=(0.5, 0.999))\n    " + _OPT_D,
     "lr=2e-4, betas=(0.5, 0.999))\n    " + _OPT_D.replace("lr=2e-4", "lr=1e-3"), "rates swapped"),
    ("the information term given to D's loss only", "ex-infogan-step", _G_LOSS,
     "loss_g = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))", "given to D's loss only"),
    ("the information term given to G's loss only", "ex-infogan-step", _D_INFO, "              )",
     "given to G's loss only"),
    ("lam ignored in G's loss", "ex-infogan-step", _G_LOSS, _G_LOSS.replace("lam * info", "info"), "lam ignored"),
    ("fakes not detached in InfoGAN's D step", "ex-infogan-step", "logit_fake, h_fake = D(fake.detach())",
     "logit_fake, h_fake = D(fake)", "fakes not detached in D's step"),
    ("a per-code argmax instead of the Hungarian matching", "ex-match",
     "    rows, cols = linear_sum_assignment(-confusion.numpy())\n",
     "    rows, cols = torch.arange(len(confusion)), confusion.argmax(1)\n", "maps two codes to one digit"),
    ("the assignment minimised", "ex-match", "linear_sum_assignment(-confusion.numpy())",
     "linear_sum_assignment(confusion.numpy())", "minimises a cost"),
    ("the mapping inverted", "ex-match", "mapping[torch.as_tensor(rows)] = torch.as_tensor(cols)",
     "mapping[torch.as_tensor(cols)] = torch.as_tensor(rows)", "inverted"),
]

TEST_OF = {
    "ex-supervised": "test-supervised",
    "ex-unsupervised": "test-unsupervised",
    "ex-feature-matching": "test-feature-matching",
    "ex-ssgan-step": "test-ssgan-step",
    "ex-sample-latent": "test-sample-latent",
    "ex-information": "test-information",
    "ex-optimizers": "test-optimizers",
    "ex-infogan-step": "test-infogan-step",
    "ex-match": "test-match",
}
POINTS = {"test-supervised": 2, "test-unsupervised": 3, "test-feature-matching": 2, "test-ssgan-step": 3,
          "test-sample-latent": 2, "test-information": 3, "test-optimizers": 1, "test-infogan-step": 3, "test-match": 2}
# the steps call the losses, but their checks run them with the kit's (gankit.checks.kit_helpers)
DEPENDS = {}
