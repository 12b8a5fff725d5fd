"""Typical wrong answers to Lab 6, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_PARZEN = "return torch.logsumexp(exponents, dim=1) - math.log(n) - d / 2 * math.log(2 * math.pi * sigma ** 2)"
_KL = "kl = (torch.xlogy(probs, probs) - torch.xlogy(probs, marginal)).sum(1)"
_COV = "return mu, centred.T @ centred / (len(feats) - 1)"
_FID = "return ((mu1 - mu2).pow(2).sum() + s1.trace() + s2.trace() - 2 * cross).item()"
_CROSS = """    w, v = torch.linalg.eigh(s1)
    root1 = v @ torch.diag(w.clamp(min=0).sqrt()) @ v.T  # S1^(1/2)
    cross = torch.linalg.eigvalsh(root1 @ s2 @ root1).clamp(min=0).sqrt().sum()  # Tr (S1 S2)^(1/2)"""


def _roots_multiplied():
    lines = _CROSS.splitlines()
    return "\n".join(lines[:2] + ["    w2, v2 = torch.linalg.eigh(s2)",
                                  "    cross = (root1 @ v2 @ torch.diag(w2.clamp(min=0).sqrt()) @ v2.T).trace()"])


MISTAKES = [
    ("mean of the logs instead of log-mean-exp", "ex-parzen", _PARZEN,
     "return exponents.mean(1) - d / 2 * math.log(2 * math.pi * sigma ** 2)", "mean of the logs"),
    ("log of the sum: - log n missing", "ex-parzen", _PARZEN, _PARZEN.replace(" - math.log(n)", ""), "log of the sum"),
    ("normalising constant missing", "ex-parzen", _PARZEN,
     "return torch.logsumexp(exponents, dim=1) - math.log(n)", "normalising constant is missing"),
    ("log(mean(exp)) without logsumexp", "ex-parzen", _PARZEN,
     _PARZEN.replace("torch.logsumexp(exponents, dim=1) - math.log(n)", "exponents.exp().mean(1).log()"),
     "exp underflows"),
    ("delegated to gankit.metrics", "ex-parzen", _PARZEN,
     "from gankit import metrics\n    return metrics.parzen_log_likelihood(samples, test, sigma)",
     "the kit's own implementation"),
    ("sigma picked on the test set", "ex-parzen-protocol", "log_likelihood(samples, validation, s)",
     "log_likelihood(samples, test, s)", "sigma picked on the test set"),
    ("standard deviation reported as the standard error", "ex-parzen-protocol",
     "(ll.std() / math.sqrt(len(ll))).item()", "ll.std().item()", "that is the standard deviation"),
    ("IS with the KL arguments swapped", "ex-inception-score", _KL,
     "kl = (torch.xlogy(marginal, marginal) - torch.xlogy(marginal, probs)).sum(1)", "KL arguments swapped"),
    ("IS without the exp", "ex-inception-score", "return kl.mean().exp().item()", "return kl.mean().item()",
     "the log of the score"),
    ("IS delegated to gankit.metrics", "ex-inception-score", "return kl.mean().exp().item()",
     "from gankit import metrics\n    return metrics.inception_score(probs, splits=1)[0]", "the kit's own implementation"),
    ("p(y) averaged over the classes", "ex-inception-score", "probs.mean(0, keepdim=True)",
     "probs.mean(1, keepdim=True)", "p(y) averaged over the classes"),
    ("covariance without the mean term", "ex-gaussian-fit", _COV, "return mu, feats.T @ feats / (len(feats) - 1)",
     "covariance without the mean term"),
    ("covariance divided by N", "ex-gaussian-fit", _COV, "return mu, centred.T @ centred / len(feats)", "divided by N"),
    ("FID without the trace term", "ex-frechet", _FID, "return (mu1 - mu2).pow(2).sum().item()",
     "the trace term is missing"),
    ("square root of the product taken elementwise", "ex-frechet", _CROSS, "    cross = (s1 @ s2).sqrt().trace()",
     "square root was taken elementwise"),
    ("roots of the two covariances multiplied", "ex-frechet", _CROSS, _roots_multiplied(),
     "unless S1 and S2 commute"),
    ("factor 2 of the cross term dropped", "ex-frechet", _FID, _FID.replace("- 2 * cross", "- cross"), "factor 2"),
    ("negative eigenvalues not clamped", "ex-frechet", _CROSS,
     _CROSS.replace("@ root1).clamp(min=0).sqrt()", "@ root1).sqrt()").replace("w.clamp(min=0).sqrt()", "w.sqrt()"),
     "NaN on singular covariances"),
]

TEST_OF = {
    "ex-parzen": "test-parzen",
    "ex-parzen-protocol": "test-parzen-protocol",
    "ex-inception-score": "test-inception-score",
    "ex-gaussian-fit": "test-gaussian-fit",
    "ex-frechet": "test-frechet",
}
POINTS = {"test-parzen": 3, "test-parzen-protocol": 2, "test-inception-score": 3, "test-gaussian-fit": 2,
          "test-frechet": 4}
# the checks hand parzen_protocol their own log-likelihood: no exercise calls another
DEPENDS = {}
