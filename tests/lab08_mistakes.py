"""Typical wrong answers to Lab 8, as edits of the solution's answer cells (see lab03_mistakes.py)."""

_BCE = "F.binary_cross_entropy_with_logits(logits, clean, reduction=\"none\").flatten(1).sum(1)"
_REC = "F.binary_cross_entropy_with_logits(logits, x, reduction=\"none\").flatten(1).sum(1)"
_IWAE = "return torch.logsumexp(log_w, dim=0) - math.log(k)"

MISTAKES = [
    ("the denoiser trained to reproduce the corrupted input", "ex-denoise", _BCE,
     _BCE.replace("logits, clean,", "logits, corrupted,"), "reproduce the corrupted input"),
    ("the clean image fed to the denoiser", "ex-denoise", "logits = ae(corrupted)", "logits = ae(clean)",
     "the clean image went into the autoencoder"),
    ("the denoiser's loss averaged over pixels", "ex-denoise", _BCE, _BCE.replace(".sum(1)", ".mean(1)"),
     "averaged over pixels instead of summed"),
    ("an activation on the log-variance", "ex-head", "return self.mu(h), self.logvar(h)",
     "return self.mu(h), F.softplus(self.logvar(h))", "logvar is never negative"),
    ("one linear map for mu and logvar", "ex-head", "return self.mu(h), self.logvar(h)",
     "return self.mu(h), self.mu(h)", "mu and logvar are the same numbers"),
    ("log sigma taken for log sigma^2", "ex-reparameterize", "std = torch.exp(0.5 * logvar)", "std = torch.exp(logvar)",
     "log sigma^2 taken for log sigma"),
    ("z sampled without the reparameterisation", "ex-reparameterize", "return mu + std * eps",
     "return torch.normal(mu, std)", "without the reparameterisation"),
    ("noise drawn once per batch", "ex-reparameterize", "eps = torch.randn_like(std)", "eps = torch.randn_like(std[0])",
     "noise drawn once per batch"),
    ("KL sign flipped", "ex-kl", "return 0.5 * (", "return -0.5 * (", "KL sign flipped"),
    ("the 1/2 of the KL missing", "ex-kl", "return 0.5 * (", "return (", "the 1/2 missing"),
    ("KL averaged over latent dimensions", "ex-kl", ".sum(dim=1)", ".mean(dim=1)", "KL averaged over latent dimensions"),
    ("reconstruction averaged over pixels", "ex-elbo", _REC, _REC.replace(".sum(1)", ".mean(1)"),
     "reconstruction averaged over pixels instead of summed"),
    ("BCE on probabilities where the decoder gives logits", "ex-elbo", "F.binary_cross_entropy_with_logits(logits,",
     "F.binary_cross_entropy(logits,", "BCE on probabilities where the decoder gives logits"),
    ("KL subtracted in the negative ELBO", "ex-elbo", "(reconstruction + gaussian_kl(mu, logvar))",
     "(reconstruction - gaussian_kl(mu, logvar))", "KL subtracted"),
    ("the prior sampled uniformly", "ex-sample", "z = torch.randn(n,", "z = torch.rand(n,", "U(0, 1)"),
    ("samples returned as logits", "ex-sample", "return torch.sigmoid(vae.decode(z))", "return vae.decode(z)",
     "returned the decoder's logits"),
    ("binary draws instead of the decoder's means", "ex-sample", "return torch.sigmoid(vae.decode(z))",
     "return torch.bernoulli(torch.sigmoid(vae.decode(z)))", "drew binary pixels"),
    ("the IWAE bound as the mean of the logs", "ex-iwae", _IWAE, "return log_w.mean(dim=0)",
     "the mean of the log weights"),
    ("the IWAE bound without the - log k", "ex-iwae", _IWAE, "return torch.logsumexp(log_w, dim=0)",
     "the - log k missing"),
    ("the IWAE bound by exponentiating the weights", "ex-iwae", _IWAE, "return log_w.exp().mean(dim=0).log()",
     "underflow"),
]

TEST_OF = {
    "ex-denoise": "test-denoise",
    "ex-head": "test-head",
    "ex-reparameterize": "test-reparameterize",
    "ex-kl": "test-kl",
    "ex-elbo": "test-elbo",
    "ex-sample": "test-sample",
    "ex-iwae": "test-iwae",
}
POINTS = {"test-denoise": 2, "test-head": 2, "test-reparameterize": 3, "test-kl": 3, "test-elbo": 3, "test-sample": 2,
          "test-iwae": 3}
# negative_elbo calls the student's gaussian_kl, but its check runs it with the kit's (gankit.checks.kit_helpers)
DEPENDS = {}
