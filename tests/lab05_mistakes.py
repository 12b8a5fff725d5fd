"""Typical wrong answers to Lab 5, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_LSGAN_D = "return 0.5 * ((real_out - 1).pow(2).mean() + fake_out.pow(2).mean())"
_RETURN = "return adv + cyc + idt, parts, (fake_y, fake_x)"
_D_STEP = """loss_d = (lsgan_d_loss(D_Y(y), D_Y(pool_y.query(fake_y.detach())))
              + lsgan_d_loss(D_X(x), D_X(pool_x.query(fake_x.detach()))))"""

MISTAKES = [
    ("LSGAN targets swapped", "ex-lsgan", _LSGAN_D,
     "return 0.5 * (real_out.pow(2).mean() + (fake_out - 1).pow(2).mean())", "LSGAN targets swapped"),
    ("log loss instead of least squares", "ex-lsgan", _LSGAN_D,
     "return -0.5 * (torch.nn.functional.logsigmoid(real_out).mean() + torch.nn.functional.logsigmoid(-fake_out).mean())",
     "this is the log loss"),
    ("cycle loss with L2", "ex-cycle", "lam * (reconstructed - real).abs().mean()",
     "lam * (reconstructed - real).pow(2).mean()", "cycle loss with L2"),
    ("lambda dropped from the cycle loss", "ex-cycle", "return lam * (reconstructed - real).abs().mean()",
     "return (reconstructed - real).abs().mean()", "lambda not applied to the cycle loss"),
    ("identity weighted lambda, not 0.5 lambda", "ex-identity", "0.5 * lam * (same - real)", "lam * (same - real)",
     "identity weight is 0.5 lambda"),
    ("identity term applied to the wrong generator", "ex-generator-loss",
     "idt = identity_loss(y, G(y), lam) + identity_loss(x, F(x), lam)",
     "idt = identity_loss(y, F(y), lam) + identity_loss(x, G(x), lam)", "wrong generator"),
    ("identity term missing", "ex-generator-loss", _RETURN, "return adv + cyc, parts, (fake_y, fake_x)",
     "identity term missing"),
    ("lambda applied to the adversarial term", "ex-generator-loss", _RETURN,
     "return lam * adv + cyc + idt, parts, (fake_y, fake_x)", "lambda applied to the adversarial term"),
    ("discriminators swapped", "ex-generator-loss",
     "adv = lsgan_g_loss(D_Y(fake_y)) + lsgan_g_loss(D_X(fake_x))",
     "adv = lsgan_g_loss(D_X(fake_y)) + lsgan_g_loss(D_Y(fake_x))", "discriminators swapped"),
    ("the pool returns only the new images", "ex-image-pool",
     "out.append(self.images[i].clone())\n                self.images[i] = image.clone()",
     "self.images[i] = image.clone()\n                out.append(image)", "returns only the new images"),
    ("D trained on fakes without detach", "ex-train-step", _D_STEP,
     _D_STEP.replace("fake_y.detach()", "fake_y").replace("fake_x.detach()", "fake_x"), "without detach"),
    ("the pools are not used", "ex-train-step", _D_STEP,
     _D_STEP.replace("pool_y.query(fake_y.detach())", "fake_y.detach()").replace("pool_x.query(fake_x.detach())",
                                                                                "fake_x.detach()"),
     "the pools are not used"),
    ("no zero_grad before the discriminators' step", "ex-train-step", "    opt_D.zero_grad()\n", "\n",
     "no zero_grad"),
    ("the discriminators' losses subtracted: D_X ascends its own", "ex-train-step", _D_STEP,
     _D_STEP.replace("\n              + lsgan_d_loss", "\n              - lsgan_d_loss"), "ascends its own loss"),
    ("real and fake swapped in D_Y's loss", "ex-train-step",
     "lsgan_d_loss(D_Y(y), D_Y(pool_y.query(fake_y.detach())))",
     "lsgan_d_loss(D_Y(pool_y.query(fake_y.detach())), D_Y(y))", "real and fake swapped"),
    ("F and D_X swapped in the call of generator_loss", "ex-train-step",
     "generator_loss(G, F, D_X, D_Y, x, y, lam)", "generator_loss(G, D_X, F, D_Y, x, y, lam)", "order of the nets"),
]

TEST_OF = {
    "ex-lsgan": "test-lsgan",
    "ex-cycle": "test-cycle",
    "ex-identity": "test-identity",
    "ex-generator-loss": "test-generator-loss",
    "ex-image-pool": "test-image-pool",
    "ex-train-step": "test-train-step",
}
POINTS = {"test-lsgan": 3, "test-cycle": 2, "test-identity": 2, "test-generator-loss": 3, "test-image-pool": 3,
          "test-train-step": 3}
# generator_loss calls the student's cycle_loss and identity_loss: a wrong one costs its points too
# (lsgan_d_loss, the only LSGAN loss the catalogue gets wrong, is not called there)
DEPENDS = {"ex-generator-loss": {"ex-cycle", "ex-identity"}}
