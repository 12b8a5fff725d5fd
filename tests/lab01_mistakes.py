"""Typical wrong answers to Lab 1, as edits of the solution's answer cells.

Each entry: (name, answer cell grade id, text in the solution cell, wrong text, phrase the check's
message must contain).
"""
V_RIGHT = "return F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()"

MISTAKES = [
    ("the value is D's cost", "ex-value", V_RIGHT,
     "return -0.5 * F.logsigmoid(real_logits).mean() - 0.5 * F.logsigmoid(-fake_logits).mean()", "this is D's cost J(D)"),
    ("log D(G(z)) in the value's fake term", "ex-value", V_RIGHT,
     "return F.logsigmoid(real_logits).mean() + F.logsigmoid(fake_logits).mean()", "the fake term uses log D(G(z))"),
    ("real and fake labels swapped in J(D)", "ex-losses",
     "return -0.5 * F.logsigmoid(real_logits).mean() - 0.5 * F.logsigmoid(-fake_logits).mean()",
     "return -0.5 * F.logsigmoid(-real_logits).mean() - 0.5 * F.logsigmoid(fake_logits).mean()", "labels swapped"),
    ("minimax generator cost with the sign flipped", "ex-losses",
     "return 0.5 * F.logsigmoid(-fake_logits).mean()", "return -0.5 * F.logsigmoid(-fake_logits).mean()", "sign flipped"),
    ("gradient left divided by the batch size", "ex-gradient",
     "g_loss(a) * a.numel()", "g_loss(a)", "divided by the batch size"),
    ("probabilities fed to the losses as logits", "ex-gradient",
     "torch.logit(d_fake.detach().double())", "d_fake.detach().double()", "probabilities used as logits"),
    ("gradient sign flipped", "ex-gradient", "    return grad\n", "    return -grad\n", "sign flipped"),
    ("k ignored: one D step", "ex-algorithm1", "for _ in range(k):", "for _ in range(1):", "k ignored"),
    ("missing detach in the D step", "ex-algorithm1",
     "G(sample_z(m)).detach()", "G(sample_z(m))", "missing detach"),
    ("one data minibatch reused for all k D steps", "ex-algorithm1",
     "    for _ in range(k):\n        real, fake = sample_data(m), G(sample_z(m)).detach()",
     "    real = sample_data(m)\n    for _ in range(k):\n        fake = G(sample_z(m)).detach()", "the same data minibatch"),
]

TEST_OF = {"ex-value": "test-value", "ex-losses": "test-losses", "ex-gradient": "test-gradient",
           "ex-algorithm1": "test-algorithm1"}
POINTS = {"test-value": 2, "test-losses": 3, "test-gradient": 2, "test-algorithm1": 3}
DEPENDS = {}  # every exercise is checked on its own
