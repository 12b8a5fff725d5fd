"""`gankit similarity`: a renamed copy of one student's answers is found at the top; independent work is not flagged."""
import copy
import csv

import nbformat
import pytest

from gankit.cli import main
from gankit.grading.course import GradingError
from gankit.grading.similarity import notebook_code, rank
from notebook_edits import answer_cell

LAB = "12-project"

# Each student's split, CNN and a cell of their own analysis, written independently (five ways)
ALICE = ('''
def stratified_split(labels, fraction=0.8, seed=0):
    gen = torch.Generator().manual_seed(seed)
    train_parts, test_parts = [], []
    for cls in torch.unique(labels):
        idx = torch.where(labels == cls)[0]
        idx = idx[torch.randperm(idx.numel(), generator=gen)]
        k = round(fraction * idx.numel())
        train_parts.append(idx[:k])
        test_parts.append(idx[k:])
    return torch.cat(train_parts), torch.cat(test_parts)
''', '''
        self.block1 = nn.Sequential(nn.Conv2d(in_channels, 24, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(nn.Conv2d(24, 48, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2))
        self.pool = nn.AdaptiveMaxPool2d(2)
        self.fc = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(48 * 4, n_classes))
''', '''
        h = self.block2(self.block1(x))
        return self.fc(self.pool(h))
''', '''
worst = {}
for r in results:
    errors = (1 - r.per_class).tolist()
    hardest = max(range(len(errors)), key=lambda c: errors[c])
    worst.setdefault(r.experiment, []).append((dataset.classes[hardest], round(errors[hardest], 3)))
for experiment, pairs in worst.items():
    print(experiment, "hardest classes per run:", pairs)
confused = results[0].confusion.clone()
confused.fill_diagonal_(0)
top = confused.flatten().topk(5)
for count, flat in zip(top.values.tolist(), top.indices.tolist()):
    print(f"true {dataset.classes[flat // n_classes]} read as {dataset.classes[flat % n_classes]}: {count} times")
''')

BOB = tuple(part.replace("gen", "rng").replace("train_parts", "tr").replace("test_parts", "te").replace("cls", "klass")
            .replace("idx", "members").replace("worst", "hard_cases").replace("hardest", "h").replace("errors", "err")
            .replace("confused", "off_diagonal").replace("block1", "conv_a").replace("block2", "conv_b")
            .replace("    ", "    # ours\n    ", 1) for part in ALICE)

OTHERS = {
    "carol": ('''
import numpy as np
def stratified_split(labels, fraction=0.8, seed=0):
    rs = np.random.RandomState(seed)
    y = labels.numpy()
    chosen = np.zeros(len(y), dtype=bool)
    for value in np.unique(y):
        where = np.flatnonzero(y == value)
        rs.shuffle(where)
        chosen[where[: int(round(fraction * len(where)))]] = True
    return torch.from_numpy(np.flatnonzero(chosen)), torch.from_numpy(np.flatnonzero(~chosen))
''', '''
        layers, c = [], in_channels
        for width in (16, 32, 64):
            layers += [nn.Conv2d(c, width, 3, padding=1), nn.BatchNorm2d(width), nn.LeakyReLU(0.1)]
            c = width
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(64, n_classes)
''', '''
        return self.head(self.body(x).mean(dim=(2, 3)))
''', '''
import statistics
by_row = {}
for r in results:
    by_row.setdefault((r.experiment, r.augmentation), []).append(r.accuracy)
ranking = sorted(by_row.items(), key=lambda kv: -statistics.mean(kv[1]))
fig, ax = plt.subplots()
ax.errorbar(range(len(ranking)), [statistics.mean(v) for _, v in ranking],
            yerr=[statistics.pstdev(v) for _, v in ranking], fmt="s")
ax.set_xticks(range(len(ranking)), [f"{e}\\n{a}" for (e, a), _ in ranking], rotation=60)
plt.show()
'''),
    "dave": ('''
from sklearn.model_selection import train_test_split
def stratified_split(labels, fraction=0.8, seed=0):
    everything = torch.arange(len(labels))
    a, b = train_test_split(everything.numpy(), train_size=fraction, stratify=labels.numpy(), random_state=seed)
    return torch.as_tensor(a), torch.as_tensor(b)
''', '''
        self.c1 = nn.Conv2d(in_channels, 32, 3)
        self.c2 = nn.Conv2d(32, 32, 3)
        self.c3 = nn.Conv2d(32, 64, 3, stride=2)
        self.out = nn.Linear(64, n_classes)
''', '''
        for conv in (self.c1, self.c2, self.c3):
            x = F.elu(conv(x))
        return self.out(F.adaptive_avg_pool2d(x, 1).flatten(1))
''', '''
histories = [r.history for r in results if r.augmentation == "none"]
for h in histories:
    losses = h.extra["loss"]
    window = max(1, len(losses) // 10)
    smooth = [sum(losses[i:i + window]) / window for i in range(0, len(losses) - window + 1, window)]
    plt.plot(smooth)
plt.title("smoothed training loss, runs without augmentation")
plt.show()
'''),
    "erin": ('''
import random
def stratified_split(labels, fraction=0.8, seed=0):
    shuffler = random.Random(seed)
    groups = {}
    for position, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(position)
    keep, hold = [], []
    for label in sorted(groups):
        positions = groups[label]
        shuffler.shuffle(positions)
        n = round(len(positions) * fraction)
        keep += positions[:n]
        hold += positions[n:]
    return torch.tensor(sorted(keep)), torch.tensor(sorted(hold))
''', '''
        self.stem = nn.Conv2d(in_channels, 40, 7, padding=3)
        self.mid = nn.Conv2d(40, 80, 3, stride=2, padding=1)
        self.norm = nn.GroupNorm(8, 80)
        self.linear = nn.Linear(80, n_classes)
''', '''
        y = torch.relu(self.stem(x))
        y = torch.relu(self.norm(self.mid(y)))
        return self.linear(torch.amax(y, dim=(2, 3)))
''', '''
table = project.results_table(sweep)
best = max(sweep, key=lambda r: r.accuracy)
print(table)
print(f"best setting: {best.experiment} with {best.accuracy:.1%}")
with open("sweep.md", "w") as handle:
    handle.write(table)
'''),
}


def _submission(release, split, init, forward, extra):
    nb = copy.deepcopy(release)
    answer_cell(nb, "ex-split").source = split.strip("\n")
    cnn = answer_cell(nb, "ex-cnn")
    blank = "        # YOUR CODE HERE\n        raise NotImplementedError()"
    cnn.source = cnn.source.replace(blank, init.strip("\n"), 1).replace(blank, forward.strip("\n"), 1)
    nb.cells.append(nbformat.v4.new_code_cell(extra.strip("\n")))
    return nb


@pytest.fixture(scope="module")
def class_folder(notebooks, tmp_path_factory):
    folder = tmp_path_factory.mktemp("similarity-submissions")
    release = nbformat.from_dict(notebooks(LAB, "notebooks"))
    for student, parts in {"alice": ALICE, "bob": BOB, **OTHERS}.items():
        nbformat.write(_submission(release, *parts), str(folder / f"{student}.ipynb"))
    nbformat.write(release, str(folder / "frank.ipynb"))  # handed in untouched
    return folder


def test_the_submissions_are_what_they_say(class_folder):
    alice, bob = (notebook_code(class_folder / f"{s}.ipynb") for s in ("alice", "bob"))
    assert "def stratified_split" in alice and "raise NotImplementedError" not in alice.split("class CustomCNN")[0]
    assert alice != bob and "rng" in bob and "tr.append" in bob and "# ours" in bob


def test_a_renamed_copy_is_found_at_the_top_and_independent_work_is_not_flagged(class_folder, tmp_path, capsys):
    assert main(["similarity", str(class_folder), "--lab", LAB, "--out", str(tmp_path), "--top", "3"]) == 0
    rows = list(csv.DictReader(open(tmp_path / "similarity.csv")))
    assert len(rows) == 15  # 6 students, every pair
    assert {rows[0]["student_a"], rows[0]["student_b"]} == {"alice", "bob"}
    assert float(rows[0]["score"]) >= 0.6
    assert all(float(r["score"]) < 0.25 for r in rows[1:]), rows[1:4]  # the independent pairs, the untouched one too
    page = (tmp_path / "similarity.html").read_text()
    assert "1. alice and bob" in page and "highlight-red" in page and page.count("<h2>") == 3
    assert "alice and bob" in capsys.readouterr().out


def test_without_the_release_the_shared_starter_code_makes_everyone_alike(class_folder):
    codes = {f.stem: notebook_code(f) for f in class_folder.glob("*.ipynb")}
    alone = rank(codes)
    assert min(p.score for p in alone) > 0.5  # the starter cells they all share


def test_too_few_submissions_or_an_unknown_lab_are_refused(class_folder, tmp_path, capsys):
    with pytest.raises(GradingError, match="at least two"):
        rank({"alice": "x = 1\n"})
    assert main(["similarity", str(class_folder), "--lab", "99-nothing", "--out", str(tmp_path)]) == 2
    assert "no release of '99-nothing'" in capsys.readouterr().err
