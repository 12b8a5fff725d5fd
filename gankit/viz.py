"""Pictures rather than numbers: image grids, training curves, snapshots over time, latent walks."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import torch

from gankit.data import to_unit


def grid_image(images: torch.Tensor, nrow: int = 8, padding: int = 2):
    """images (N, C, H, W) in [-1, 1] -> one grid image (H', W', 3) in [0, 1] for imshow: `nrow` images
    a row, `padding` white pixels around each. torchvision's make_grid does the same, but importing
    torchvision costs every kernel 2.4 s (it pulls in torch's compiler), a fifth of a graded notebook."""
    x = to_unit(images.detach().cpu().float()).expand(-1, 3, -1, -1)  # grey -> RGB; RGB unchanged
    n, _, h, w = x.shape
    cols = min(nrow, n)
    rows = -(-n // cols)
    x = torch.cat([x, x.new_ones(rows * cols - n, 3, h, w)])  # blank tiles fill the last row
    x = torch.nn.functional.pad(x, (padding, 0, padding, 0), value=1.0)  # each tile's top and left border
    grid = x.view(rows, cols, 3, h + padding, w + padding).permute(2, 0, 3, 1, 4).reshape(3, rows * (h + padding), -1)
    return torch.nn.functional.pad(grid, (0, padding, 0, padding), value=1.0).permute(1, 2, 0).numpy()


def show_grid(images: torch.Tensor, nrow: int = 8, title: str | None = None, ax=None):
    """Show images (N, C, H, W) in [-1, 1] as one grid."""
    if ax is None:
        _, ax = plt.subplots(figsize=(nrow * 0.6, max(1, len(images) // nrow) * 0.6 + 0.4))
    ax.imshow(grid_image(images, nrow), cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8, title: str | None = None) -> Path:
    fig, ax = plt.subplots(figsize=(nrow * 0.6, max(1, len(images) // nrow) * 0.6 + 0.6))
    show_grid(images, nrow, title, ax)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def show_snapshots(history, max_shown: int = 5, n: int = 16, nrow: int = 4):
    """The same noise through G at several points of training: samples improving over time."""
    picks = sorted({round(i * (len(history.snapshots) - 1) / max(1, max_shown - 1)) for i in range(max_shown)})
    fig, axes = plt.subplots(1, len(picks), figsize=(0.6 * nrow * len(picks), 0.6 * -(-n // nrow) + 0.4), squeeze=False)
    for ax, i in zip(axes[0], picks):
        show_grid(history.snapshots[i][:n], nrow=nrow, title=f"step {history.snapshot_steps[i]}", ax=ax)
    fig.tight_layout()
    return fig


def _smooth(values, window: int):
    t = torch.tensor(values, dtype=torch.float64)
    if len(t) >= window >= 2:
        t = torch.nn.functional.avg_pool1d(t.view(1, 1, -1), window, stride=1).view(-1)
    return t.numpy()


def plot_history(history, window: int = 25):
    """Losses and the discriminator's mean outputs over training (moving averages)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.5))
    w = min(window, max(1, len(history.step) // 10))
    x = history.step[w - 1:] if len(history.step) >= w else history.step
    for key, label in (("d_loss", "D loss J(D)"), ("g_loss", "G loss")):
        a.plot(x, _smooth(getattr(history, key), w), label=label)
    a.set_xlabel("iteration")
    a.set_title("losses (not a measure of sample quality)")
    a.legend()
    for key, label in (("d_real", "mean D(x)"), ("d_fake", "mean D(G(z))")):
        b.plot(x, _smooth(getattr(history, key), w), label=label)
    b.axhline(0.5, color="gray", ls="--", lw=1, label="equilibrium 1/2")
    b.set_ylim(0, 1)
    b.set_xlabel("iteration")
    b.set_title("discriminator outputs")
    b.legend()
    fig.tight_layout()
    return fig


def plot_generator_losses(g_loss_minimax, g_loss_nonsaturating):
    """Both generator costs and the size of their gradients as functions of D(G(z))."""
    p = torch.linspace(1e-3, 1 - 1e-3, 200, dtype=torch.float64)
    logits = torch.log(p / (1 - p)).requires_grad_()
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.5))
    for fn, label in ((g_loss_minimax, "minimax  1/2 log(1 - D(G(z)))"), (g_loss_nonsaturating, "non-saturating  -1/2 log D(G(z))")):
        values = torch.stack([fn(l.view(1)) for l in logits])
        (grad,) = torch.autograd.grad(values.sum(), logits)
        a.plot(p.numpy(), values.detach().numpy(), label=label)
        b.plot(p.numpy(), grad.abs().numpy(), label=label)
    a.set_xlabel("D(G(z))")
    a.set_title("generator cost")
    a.legend()
    b.set_xlabel("D(G(z))")
    b.set_title("|d cost / d logit|: the gradient G receives")
    b.set_yscale("log")
    b.legend()
    fig.tight_layout()
    return fig


def show_strip(images: torch.Tensor, title: str | None = None):
    """One row of images, e.g. a latent interpolation."""
    fig, ax = plt.subplots(figsize=(0.9 * len(images), 1.3))
    show_grid(images, nrow=len(images), title=title, ax=ax)
    return fig


def show_class_grid(images: torch.Tensor, n_classes: int, title: str | None = None):
    """A class x noise grid (n_classes * n_noise images, row c = class c), each row labelled with its class."""
    n_noise = len(images) // n_classes
    fig, ax = plt.subplots(figsize=(0.6 * n_noise + 0.6, 0.6 * n_classes + 0.4))
    show_grid(images, nrow=n_noise, title=title, ax=ax)
    ax.set_axis_on()
    ax.set_xticks([])
    ax.set_yticks([2 + 30 * c + 14 for c in range(n_classes)], [f"y = {c}" for c in range(n_classes)])
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return fig


def plot_class_accuracy(accuracies: dict, title: str = "generated digits read as the requested class",
                        xlabel: str = "requested class y", classes=None):
    """Per-class accuracies {name: tensor (n_classes,)} as grouped bars, with each run's mean in the legend;
    `classes` names the bars (default 0, 1, ...)."""
    fig, ax = plt.subplots(figsize=(8, 3))
    width = 0.8 / len(accuracies)
    for i, (name, acc) in enumerate(accuracies.items()):
        acc = torch.as_tensor(acc, dtype=torch.float64)
        ax.bar(torch.arange(len(acc)) + i * width, acc.numpy(), width, label=f"{name} (mean {acc.mean():.1%})")
    ax.set_xticks(torch.arange(len(acc)).numpy() + 0.4 - width / 2, [str(c) for c in (classes or range(len(acc)))])
    ax.set_xlabel(xlabel)
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    if len(accuracies) > 3:  # many runs: a legend beside the bars rather than over them
        fig.set_size_inches(12, 3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    else:
        ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def plot_confusion(confusion: torch.Tensor, classes, title: str = "confusion matrix"):
    """Counts (n, n), row = true class, column = predicted, shaded by the share of each true class."""
    m = torch.as_tensor(confusion, dtype=torch.float64)
    share = m / m.sum(1, keepdim=True).clamp(min=1)
    fig, ax = plt.subplots(figsize=(1 + 0.45 * len(classes), 0.8 + 0.45 * len(classes)))
    ax.imshow(share.numpy(), cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            if m[i, j]:
                ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center", fontsize=7,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=90 if max(map(len, map(str, classes))) > 2 else 0)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_accuracy_curves(curves: dict, ylabel: str = "test accuracy"):
    """{name: (steps, accuracies)} as lines over training."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for name, (steps, accs) in curves.items():
        ax.plot(steps, accs, "o-", markersize=3, label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def show_rows(rows: dict, n: int = 10):
    """Rows of images aligned column by column, e.g. {"input": x, "G(x)": G(x), "target": y}."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(0.75 * n, 0.85 * len(rows)), squeeze=False)
    for ax, (name, images) in zip(axes[:, 0], rows.items()):
        ax.imshow(grid_image(images[:n], nrow=n), cmap="gray", interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(name, rotation=0, ha="right", va="center")
    fig.tight_layout()
    return fig


def save_history(history, path: str | Path) -> Path:
    fig = plot_history(history)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return Path(path)


def draw_frame(frame, ax=None, arrows: int = 64, title: str | None = None):
    """One moment of a toy game (gankit.game.Frame): D's output as a background, data and G's points,
    and arrows where G's cost pushes its points. In 1D: p_data, a histogram of G's points, D(x)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4))
    lim = float(frame.axis[-1])
    if frame.real.shape[1] == 2:
        shade = ax.contourf(frame.axis.numpy(), frame.axis.numpy(), frame.surface.numpy(), levels=torch.linspace(0, 1, 11).numpy(),
                            cmap="RdBu", alpha=0.45, vmin=0, vmax=1)
        ax.contour(frame.axis.numpy(), frame.axis.numpy(), frame.surface.numpy(), levels=[0.5], colors="k", linewidths=0.8)
        ax.scatter(*frame.real.T.numpy(), s=3, c="tab:blue", alpha=0.5, label="data")
        ax.scatter(*frame.fake.T.numpy(), s=3, c="tab:red", alpha=0.5, label="G(z)")
        if arrows:
            push = frame.push[:arrows]
            push = push / push.norm(dim=1, keepdim=True).max().clamp_min(1e-12)  # direction, relative size
            ax.quiver(*frame.fake[:arrows].T.numpy(), *push.T.numpy(), color="k", angles="xy", scale_units="xy",
                      scale=2.0 / (0.15 * lim), width=0.004, alpha=0.7)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.figure.colorbar(shade, ax=ax, fraction=0.046, pad=0.04, label="D(x)")
    else:
        x = frame.axis.numpy()
        ax.plot(x, frame.density.numpy(), color="tab:blue", label="p_data")
        ax.hist(frame.fake.view(-1).numpy(), bins=60, range=(-lim, lim), density=True, color="tab:red", alpha=0.4, label="p_g (G's points)")
        ax.plot(x, frame.surface.numpy(), color="k", label="D(x)")
        ax.axhline(0.5, color="gray", ls="--", lw=0.8)
        if arrows:
            pts, push = frame.fake[:arrows, 0], frame.push[:arrows, 0]
            push = push / push.abs().max().clamp_min(1e-12)
            ax.quiver(pts.numpy(), torch.full_like(pts, -0.05).numpy(), push.numpy(), torch.zeros_like(push).numpy(),
                      color="k", angles="xy", scale_units="xy", scale=2.0 / (0.15 * lim), width=0.004, alpha=0.7)
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-0.1, 1.05)
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title(title or f"iteration {frame.iteration}")
    return ax


def show_frames(frames, titles=None):
    """Several moments of a game side by side."""
    fig, axes = plt.subplots(1, len(frames), figsize=(4.2 * len(frames), 4), squeeze=False)
    for i, (ax, frame) in enumerate(zip(axes[0], frames)):
        draw_frame(frame, ax, title=titles[i] if titles else None)
    fig.tight_layout()
    return fig


def plot_game(history, ax=None):
    """A toy game's mean D(x) and D(G(z)) over iterations, with the equilibrium 1/2, and mode coverage."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    w = min(25, max(1, len(history.step) // 10))
    x = history.step[w - 1:]
    ax.plot(x, _smooth(history.d_real, w), label="mean D(x)")
    ax.plot(x, _smooth(history.d_fake, w), label="mean D(G(z))")
    ax.axhline(0.5, color="gray", ls="--", lw=1, label="equilibrium 1/2")
    ax.set_ylim(0, 1)
    ax.set_xlabel("iteration")
    if history.coverage:
        right = ax.twinx()
        right.plot(history.coverage_iteration, [c.high_quality for c in history.coverage], "k:", label="high-quality share")
        right.plot(history.coverage_iteration, [c.modes_captured / c.n_modes for c in history.coverage], "k-.",
                   label="modes captured (share)")
        right.set_ylim(0, 1.05)
        right.legend(loc="lower right", fontsize=7)
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title("the game over time")
    return ax
