"""Typical wrong answers to Lab 2, as edits of the solution's answer cells.

Each entry: (name, answer cell grade id, text in the solution cell, wrong text, phrase the check's
message must contain).
"""
KL_RIGHT = "return (torch.xlogy(p, p) - torch.xlogy(p, q)).sum() * dx"
TS_RIGHT = "return 0.5 * (D(real) > 0).float().mean().item() + 0.5 * (D(fake) <= 0).float().mean().item()"

MISTAKES = [
    ("D* inverted", "ex-optimal-d", "p_data / total.clamp_min(1e-300)", "p_g / total.clamp_min(1e-300)", "D* inverted"),
    ("0/0 where both densities vanish", "ex-optimal-d",
     "return torch.where(total > 0, p_data / total.clamp_min(1e-300), torch.full_like(total, 0.5))",
     "return p_data / total", "0/0 where both densities vanish"),
    ("KL arguments swapped", "ex-kl", KL_RIGHT, "return (torch.xlogy(q, q) - torch.xlogy(q, p)).sum() * dx",
     "KL arguments swapped"),
    ("KL in bits (log base 2)", "ex-kl", KL_RIGHT, KL_RIGHT + " / math.log(2)", "log base 2"),
    ("KL without dx", "ex-kl", KL_RIGHT, "return (torch.xlogy(p, p) - torch.xlogy(p, q)).sum()", "missing dx"),
    ("JSD without the 1/2", "ex-jsd", "return 0.5 * kl_divergence(p, m, dx) + 0.5 * kl_divergence(q, m, dx)",
     "return kl_divergence(p, m, dx) + kl_divergence(q, m, dx)", "the 1/2 is missing"),
    ("V(G, D*) through 1 - D*, which rounds to 0", "ex-value-at-optimum",
     "    total = p_data + p_g\n", "    total = p_data + p_g\n"
     "    d = torch.where(total > 0, p_data / total, torch.full_like(total, 0.5))\n"
     "    return (torch.xlogy(p_data, d) + torch.xlogy(p_g, 1 - d)).sum() * dx\n",
     "1 - D* rounded to 0"),
    ("D trained with real and fake labels swapped", "ex-train-d",
     "losses.d_loss(D(sample_real(m)), D(sample_fake(m)))", "losses.d_loss(D(sample_fake(m)), D(sample_real(m)))",
     "labels swapped"),
    ("D trained without zero_grad", "ex-train-d", "        opt.zero_grad()\n", "", "no zero_grad"),
    ("two-sample decision at 0.5 on logits", "ex-two-sample", TS_RIGHT,
     "return 0.5 * (D(real) > 0.5).float().mean().item() + 0.5 * (D(fake) <= 0.5).float().mean().item()",
     "threshold at 0.5 on logits"),
    ("two-sample accuracy pooled, not balanced", "ex-two-sample", TS_RIGHT,
     "return torch.cat([D(real) > 0, D(fake) <= 0]).float().mean().item()", "pooled accuracy"),
]

TEST_OF = {"ex-optimal-d": "test-optimal-d", "ex-kl": "test-kl", "ex-jsd": "test-jsd",
           "ex-value-at-optimum": "test-value-at-optimum", "ex-train-d": "test-train-d", "ex-two-sample": "test-two-sample"}
POINTS = {"test-optimal-d": 2, "test-kl": 2, "test-jsd": 2, "test-value-at-optimum": 2, "test-train-d": 3,
          "test-two-sample": 2}
DEPENDS = {"ex-jsd": {"ex-kl"}}  # jsd calls the student's kl_divergence: a wrong KL costs the JSD points too
