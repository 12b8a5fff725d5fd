"""Typical wrong answers to Lab 7, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_EPS = "eps = torch.rand(real.shape[0], *[1] * (real.dim() - 1), device=real.device)  # (N, 1, ..., 1)"
_GRAD = "(grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)"
_STEP = "        opt_C.step()\n        if clip is not None:\n            clip_weights(critic, clip)\n"

MISTAKES = [
    ("W1 from unsorted samples", "ex-w1", "(x.sort().values - y.sort().values)", "(x - y)", "not sorted"),
    ("W1 with squared differences", "ex-w1", ".abs().mean()", ".pow(2).mean()", "squared differences"),
    ("sigmoid left in the critic loss", "ex-critic-losses", "return fake_scores.mean() - real_scores.mean()",
     "return torch.sigmoid(fake_scores).mean() - torch.sigmoid(real_scores).mean()", "sigmoid left in the critic loss"),
    ("log left in the critic loss", "ex-critic-losses", "return fake_scores.mean() - real_scores.mean()",
     "return -0.5 * (F.logsigmoid(real_scores).mean() + F.logsigmoid(-fake_scores).mean())", "log left in the critic loss"),
    ("critic and generator signs swapped", "ex-critic-losses", "return fake_scores.mean() - real_scores.mean()",
     "return real_scores.mean() - fake_scores.mean()", "signs swapped"),
    ("generator loss with the critic's sign", "ex-critic-losses", "return -fake_scores.mean()",
     "return fake_scores.mean()", "signs swapped in generator_loss"),
    ("weights rescaled instead of clipped", "ex-clip", "p.clamp_(-c, c)", "p.mul_(c / p.abs().max())",
     "rescaled instead of clipped"),
    ("clipping a copy, not the weights", "ex-clip", "p.clamp_(-c, c)", "p = p.clamp(-c, c)",
     "did not change the critic's parameters"),
    ("norm over the wrong axis", "ex-gradient-penalty", "grad.flatten(1).norm(dim=1)", "grad.norm(dim=1)",
     "wrong axis"),
    ("create_graph missing", "ex-gradient-penalty", _GRAD, _GRAD.replace(", create_graph=True", ""),
     "create_graph missing"),
    ("the penalty on real samples only", "ex-gradient-penalty", "(eps * real + (1 - eps) * fake.detach())",
     "(real + 0 * eps)", "real samples only"),
    ("the penalty on fake samples only", "ex-gradient-penalty", "(eps * real + (1 - eps) * fake.detach())",
     "(fake.detach() + 0 * eps)", "fake samples only"),
    ("one epsilon for the whole batch", "ex-gradient-penalty", _EPS, "eps = torch.rand(1, device=real.device)",
     "one epsilon for the whole batch"),
    ("lambda dropped from the penalty", "ex-gradient-penalty", "return lam * (grad", "return (grad",
     "lambda not applied"),
    ("BatchNorm in a penalised critic", "ex-critic", "nn.GroupNorm(1, 2 * ndf)", "nn.BatchNorm2d(2 * ndf)",
     "BatchNorm in a penalised critic"),
    ("a sigmoid at the critic's output", "ex-critic", "nn.Linear(2 * ndf * 7 * 7, 1),\n",
     "nn.Linear(2 * ndf * 7 * 7, 1),\n            nn.Sigmoid(),\n", "output is squashed"),
    ("clipping before the optimizer step", "ex-train-step", _STEP,
     "        if clip is not None:\n            clip_weights(critic, clip)\n        opt_C.step()\n",
     "clipping before the optimizer step"),
    ("clipping applied to G", "ex-train-step", "clip_weights(critic, clip)", "clip_weights(G, clip)",
     "clipping applied to G"),
    ("n_critic ignored", "ex-train-step", "    for real in real_batches:\n", "    for real in real_batches[-1:]:\n",
     "n_critic ignored"),
    ("the generator step also steps the critic", "ex-train-step", "    opt_G.step()\n",
     "    opt_G.step()\n    opt_C.step()\n", "also steps the critic"),
    ("fakes not detached for the critic", "ex-train-step", "fake = G(sample_z(real.shape[0])).detach()",
     "fake = G(sample_z(real.shape[0]))", "not detached"),
    ("no zero_grad before the critic's step", "ex-train-step", "        opt_C.zero_grad()\n", "", "zero_grad"),
]

TEST_OF = {
    "ex-w1": "test-w1",
    "ex-critic-losses": "test-critic-losses",
    "ex-clip": "test-clip",
    "ex-gradient-penalty": "test-gradient-penalty",
    "ex-critic": "test-critic",
    "ex-train-step": "test-train-step",
}
POINTS = {"test-w1": 2, "test-critic-losses": 3, "test-clip": 2, "test-gradient-penalty": 4, "test-critic": 2,
          "test-train-step": 4}
# wgan_iteration calls the student's critic_loss, generator_loss, gradient_penalty and clip_weights, but
# its check runs it with the kit's (gankit.checks.kit_helpers): a mistake there costs only its own test
DEPENDS = {}
