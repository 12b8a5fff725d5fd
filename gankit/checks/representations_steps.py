"""Lab 9's training-step checks' tools: tiny stand-in networks and the kit's two steps with one
typical mistake each (the weights after one iteration name it; gankit.checks.steps compares them)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gankit import infogan, semisupervised


class TinyD(nn.Module):
    """x (N, 1, 4, 4) -> features (N, 8) -> logits (N, 3); forward returns (logits, features)."""

    def __init__(self, out: int = 3):
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.Tanh())
        self.head = nn.Linear(8, out)

    def forward(self, x):
        h = self.body(x)
        return self.head(h), h


class TinyG(nn.Module):
    def __init__(self, z_dim: int):
        super().__init__()
        self.z_dim, self.net = z_dim, nn.Sequential(nn.Linear(z_dim, 16), nn.Tanh(), nn.Unflatten(1, (1, 4, 4)))

    def forward(self, z):
        return self.net(z)


class TinyQ(nn.Module):
    def __init__(self, n_categories: int = 3, n_continuous: int = 2):
        super().__init__()
        self.k, self.net = n_categories, nn.Linear(8, n_categories + n_continuous)

    def forward(self, h):
        out = self.net(h)
        return out[:, :self.k], out[:, self.k:]


def ssgan_variant(unsup_rows=None, g_loss="fm", fm_from_before=False, sup_rows="labelled"):
    """The kit's ssgan_step with one thing changed, for naming the mistakes."""
    sl, ul, fm = semisupervised.supervised_loss, semisupervised.unsupervised_loss, semisupervised.feature_matching_loss

    def step(G, D, opt_g, opt_d, x, y, labelled, z):
        fake = G(z)
        logits_real, f_before = D(x)
        logits_fake, _ = D(fake.detach())
        mask = labelled if sup_rows == "labelled" else torch.ones_like(labelled)
        real_rows = logits_real if unsup_rows is None else logits_real[unsup_rows(labelled)]
        loss_d = sl(logits_real, y, mask) + ul(real_rows, logits_fake)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        logits_g, f_fake = D(fake)
        if g_loss == "fm":
            f_real = f_before if fm_from_before else D(x)[1]
            loss_g = fm(f_real, f_fake)
        elif g_loss == "fm-detached":
            loss_g = fm(D(x)[1], D(fake.detach())[1])
        else:  # the GAN's non-saturating loss with D(x) = Z / (Z + 1): -log D(G(z))
            lz = torch.logsumexp(logits_g, 1)
            loss_g = (F.softplus(lz) - lz).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return {"d_loss": loss_d.item(), "g_loss": loss_g.item()}
    return step


def infogan_variant(info_in_d=True, info_in_g=True, saturating=False, lam_in_d=True, lam_in_g=True):
    info = infogan.information_loss

    def step(G, D, Q, opt_g, opt_d, real, z, c, u, lam=1.0):
        fake = G(z)
        lr_, _ = D(real)
        lf, h_fake = D(fake.detach())
        loss_d = F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_)) \
            + F.binary_cross_entropy_with_logits(lf, torch.zeros_like(lf))
        if info_in_d:
            loss_d = loss_d + (lam if lam_in_d else 1.0) * info(*Q(h_fake), c, u)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        logit, h = D(fake)
        loss_g = -F.binary_cross_entropy_with_logits(logit, torch.zeros_like(logit)) if saturating \
            else F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))
        if info_in_g:
            loss_g = loss_g + (lam if lam_in_g else 1.0) * info(*Q(h), c, u)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return {"d_loss": loss_d.item(), "g_loss": loss_g.item(), "info": 0.0}
    return step
