"""Typical wrong answers to Lab 4, as edits of the solution's answer cells.

Each entry: (name, answer cell grade id, text in the solution cell, wrong text, phrase the
feedback must contain). See lab03_mistakes.py for how they are used.
"""

_D_SOLUTION = """nn.Linear(784 + n_classes, 512), nn.LeakyReLU(0.2),
            nn.Linear(512, 256), nn.LeakyReLU(0.2),
            nn.Linear(256, 1),
        )
        ### END SOLUTION

    def forward(self, x, labels):
        ### BEGIN SOLUTION
        return self.net(torch.cat([x.flatten(1), one_hot(labels, self.n_classes)], dim=1))"""

_PATCH_D = "return -0.5 * F.logsigmoid(real_patches).mean() - 0.5 * F.logsigmoid(-fake_patches).mean()"
_P2P_G = "return -F.logsigmoid(fake_patches).mean() + lam * (fake - target).abs().mean()"

MISTAKES = [
    ("conditional generator ends in sigmoid, data in [-1, 1]", "ex-cond-nets",
     "nn.Linear(512, 784), nn.Tanh(),", "nn.Linear(512, 784), nn.Sigmoid(),", "output range does not match"),
    ("one_hot guesses the width from the batch", "ex-one-hot",
     "F.one_hot(labels, n_classes).float()", "F.one_hot(labels).float()", "width depends on the batch"),
    ("label not given to D", "ex-cond-nets", _D_SOLUTION,
     _D_SOLUTION.replace("784 + n_classes", "784").replace("torch.cat([x.flatten(1), one_hot(labels, self.n_classes)], dim=1)",
                                                         "x.flatten(1)"),
     "label not given to D"),
    ("different label encodings for G and D", "ex-cond-nets",
     "torch.cat([x.flatten(1), one_hot(labels, self.n_classes)], dim=1)",
     "torch.cat([x.flatten(1), 2 * one_hot(labels, self.n_classes) - 1], dim=1)", "different label encodings"),
    ("missing detach in the cGAN D loss", "ex-cond-losses",
     "D(fake.detach(), labels)", "D(fake, labels)", "missing detach"),
    ("fakes scored under labels they were not made for", "ex-cond-losses",
     "D(fake.detach(), labels)", "D(fake.detach(), torch.randint(0, 10, labels.shape))",
     "labels shuffled against the fakes"),
    ("labels shuffled against the real images", "ex-cond-losses",
     "losses.d_loss(D(real, labels)", "losses.d_loss(D(real, labels[torch.randperm(len(labels))])",
     "labels shuffled against the real images"),
    ("minimax generator loss in the cGAN", "ex-cond-losses",
     "losses.g_loss_nonsaturating(D(fake, labels))", "losses.g_loss_minimax(D(fake, labels))", "minimax loss"),
    ("fresh noise in every row of the grid", "ex-class-grid",
     "z = torch.randn(n_noise, z_dim, device=dev).repeat(n_classes, 1)",
     "z = torch.randn(n_classes * n_noise, z_dim, device=dev)", "fresh noise in every row"),
    ("labels along the rows of the grid", "ex-class-grid",
     "repeat_interleave(n_noise)", "repeat(n_noise)", "labels run along the rows"),
    ("PatchGAN averaged before the D loss", "ex-patch-d-loss", _PATCH_D,
     "r, f = real_patches.mean(dim=(1, 2, 3)), fake_patches.mean(dim=(1, 2, 3))\n"
     "    return -0.5 * F.logsigmoid(r).mean() - 0.5 * F.logsigmoid(-f).mean()", "averaged before the loss"),
    ("PatchGAN real and fake swapped", "ex-patch-d-loss", _PATCH_D,
     "return -0.5 * F.logsigmoid(-real_patches).mean() - 0.5 * F.logsigmoid(fake_patches).mean()", "labels swapped"),
    ("L1 weight dropped", "ex-pix2pix-g-loss", _P2P_G,
     "return -F.logsigmoid(fake_patches).mean() + (fake - target).abs().mean()", "L1 weight dropped"),
    ("L2 instead of L1", "ex-pix2pix-g-loss", _P2P_G,
     "return -F.logsigmoid(fake_patches).mean() + lam * (fake - target).pow(2).mean()", "L2 instead of L1"),
    ("lambda applied to the adversarial term", "ex-pix2pix-g-loss", _P2P_G,
     "return -lam * F.logsigmoid(fake_patches).mean() + (fake - target).abs().mean()",
     "lambda applied to the adversarial term"),
    ("a tanh hidden layer in the conditional generator", "ex-cond-nets",
     "nn.Linear(256, 512), nn.ReLU(),", "nn.Linear(256, 512), nn.Tanh(),", "wrong layers"),
]

TEST_OF = {
    "ex-one-hot": "test-one-hot",
    "ex-cond-nets": "test-cond-nets",
    "ex-cond-losses": "test-cond-losses",
    "ex-class-grid": "test-class-grid",
    "ex-patch-d-loss": "test-patch-d-loss",
    "ex-pix2pix-g-loss": "test-pix2pix-g-loss",
}
POINTS = {"test-one-hot": 2, "test-cond-nets": 4, "test-cond-losses": 4, "test-class-grid": 2, "test-patch-d-loss": 3,
          "test-pix2pix-g-loss": 3}
DEPENDS = {"ex-cond-nets": {"ex-one-hot"}}  # the nets call the student's one_hot: a wrong width breaks them too
