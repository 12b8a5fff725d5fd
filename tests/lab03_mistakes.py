"""Typical wrong answers to Lab 3, as edits of the solution's answer cells.

Each entry: (name, answer cell grade id, text in the solution cell, wrong text, phrase the
feedback must contain). The tests check that the text is found (an entry can never silently
stop applying), that the check names the mistake, and that grading takes that exercise's points.
"""

MISTAKES = [
    ("generator ends in sigmoid, data in [-1, 1]", "ex-generator",
     "nn.Linear(512, 784), nn.Tanh(),", "nn.Linear(512, 784), nn.Sigmoid(),", "output range does not match"),
    ("generator returns flat vectors", "ex-generator",
     "return self.net(z).view(-1, 1, 28, 28)", "return self.net(z)", "wrong output shape"),
    ("sigmoid at the end of the discriminator", "ex-discriminator",
     "nn.Linear(256, 1),\n", "nn.Linear(256, 1), nn.Sigmoid(),\n", "sigmoid applied in the discriminator"),
    ("real and fake labels swapped", "ex-d-loss",
     "return -0.5 * F.logsigmoid(real_logits).mean() - 0.5 * F.logsigmoid(-fake_logits).mean()",
     "return -0.5 * F.logsigmoid(-real_logits).mean() - 0.5 * F.logsigmoid(fake_logits).mean()",
     "labels swapped"),
    ("sigmoid applied before a logits loss", "ex-d-loss",
     "return -0.5 * F.logsigmoid(real_logits).mean() - 0.5 * F.logsigmoid(-fake_logits).mean()",
     "r, f = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)\n"
     "    return 0.5 * F.binary_cross_entropy_with_logits(r, torch.ones_like(r)) + "
     "0.5 * F.binary_cross_entropy_with_logits(f, torch.zeros_like(f))",
     "sigmoid applied before a loss on logits"),
    ("log of sigmoid, unstable", "ex-d-loss",
     "return -0.5 * F.logsigmoid(real_logits).mean() - 0.5 * F.logsigmoid(-fake_logits).mean()",
     "return -0.5 * torch.log(torch.sigmoid(real_logits)).mean() - 0.5 * torch.log(1 - torch.sigmoid(fake_logits)).mean()",
     "numerically unstable"),
    ("minimax instead of non-saturating", "ex-g-loss",
     "return -0.5 * F.logsigmoid(fake_logits).mean()", "return 0.5 * F.logsigmoid(-fake_logits).mean()",
     "is the minimax loss"),
    ("minimax generator loss with the sign flipped", "ex-g-loss",
     "return 0.5 * F.logsigmoid(-fake_logits).mean()", "return -0.5 * F.logsigmoid(-fake_logits).mean()",
     "sign flipped"),
    ("missing detach in the D step", "ex-train-iteration",
     "fake = G(sample_z(real.shape[0])).detach()", "fake = G(sample_z(real.shape[0]))", "missing detach"),
    ("the G step also steps D", "ex-train-iteration",
     "    opt_G.step()\n", "    opt_G.step()\n    opt_D.step()\n", "also stepped D"),
    ("no zero_grad", "ex-train-iteration",
     "opt_D.zero_grad()\n", "\n", "no zero_grad"),
    ("k ignored: one D step", "ex-train-iteration",
     "for real in real_batches:", "for real in real_batches[:1]:", "k ignored"),
    ("noise of the wrong shape", "ex-train-iteration",
     "fake = G(sample_z(real.shape[0])).detach()", "fake = G(sample_z(64)).detach()", "noise of the wrong shape"),
    ("one noise vector per minibatch in the D step (real.shape[1]: 1 for images)", "ex-train-iteration",
     "fake = G(sample_z(real.shape[0])).detach()", "fake = G(sample_z(real.shape[1])).detach()",
     "noise of the wrong shape"),
    ("one noise vector per minibatch in the G step", "ex-train-iteration",
     "sample_z(real_batches[-1].shape[0])", "sample_z(real_batches[-1].shape[1])", "noise of the wrong shape"),
    ("interpolation without its endpoints", "ex-interpolate",
     "t = torch.linspace(0, 1, steps, device=z0.device).unsqueeze(1)",
     "t = torch.linspace(0, 1, steps + 2, device=z0.device)[1:-1].unsqueeze(1)", "endpoints missing"),
    ("ReLU before G's first linear layer", "ex-generator",
     "nn.Linear(z_dim, 256), nn.ReLU(),", "nn.ReLU(), nn.Linear(z_dim, 256),", "wrong layers"),
    ("ReLU instead of LeakyReLU in the discriminator", "ex-discriminator",
     "nn.Linear(784, 512), nn.LeakyReLU(0.2),", "nn.Linear(784, 512), nn.ReLU(),", "wrong layers"),
]

# answer cell -> the test cell that grades it
TEST_OF = {
    "ex-generator": "test-generator",
    "ex-discriminator": "test-discriminator",
    "ex-d-loss": "test-d-loss",
    "ex-g-loss": "test-g-loss",
    "ex-train-iteration": "test-train-iteration",
    "ex-interpolate": "test-interpolate",
}

POINTS = {"test-generator": 2, "test-discriminator": 2, "test-d-loss": 3, "test-g-loss": 3,
          "test-train-iteration": 4, "test-interpolate": 1}
DEPENDS = {}  # each check builds its own nets and losses around the one exercise it grades
