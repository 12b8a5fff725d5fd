"""Every submission the grading tests read, per lab, written to one folder and graded by one
`gankit grade` run per test session (conftest.graded_lab): a run costs a course snapshot and two
worker processes, and each notebook ~10 s, so the tests share them.

Per lab: the solution; the untouched release; the catalogue's mistakes in packs; "broken" and
"hostile" (tests/hostile.py, PLAN below); and a few lab-specific files: Lab 1 a notebook deleting its
course; Lab 3 the solution as an editor leaves it (reshuffled), unreadable JSON, a duplicated and a
deleted test cell, a pack graded twice, a written answer of a student's own; Lab 6 a notebook
printing the hidden tests it reads from disk and one rebinding torch.allclose and abs. Labs 1, 3, 6,
7, 9 and 10 also hold the attacks on the machine and the scores that the sandbox stops (tests/attacks.py),
each attack in one of them (ATTACKS).
"""
import copy

import nbformat

import lab01_mistakes
import lab02_mistakes
import lab03_mistakes
import lab04_mistakes
import lab05_mistakes
import lab06_mistakes
import lab07_mistakes
import lab08_mistakes
import lab09_mistakes
import lab10_mistakes
import lab11_mistakes
import lab12_mistakes
from attacks import write_attacks
from hostile import SPY, TAMPER, VANDAL, delegating, infinite_loop, on_gpu, poisoned, stripped, syntax_error, with_cell
from notebook_edits import answer_cell, apply, mistake_packs

CATALOGUE = {"01-minimax": lab01_mistakes, "02-optimal-d": lab02_mistakes, "03-vanilla-gan": lab03_mistakes,
             "04-cgan": lab04_mistakes, "05-cyclegan": lab05_mistakes, "06-evaluation": lab06_mistakes,
             "07-wgan": lab07_mistakes, "08-vae": lab08_mistakes,
             "09-representations": lab09_mistakes, "10-super-resolution": lab10_mistakes,
             "11-domains": lab11_mistakes, "12-project": lab12_mistakes}
MANUAL = {"01-minimax": ["q-saturation", "q-collapse"], "02-optimal-d": ["q-saturation", "q-two-sample"],
          "03-vanilla-gan": ["q-losses"], "04-cgan": ["q-same-label", "q-l1-and-patch"],
          "05-cyclegan": ["q-cycle", "q-identity", "q-pool"], "06-evaluation": ["q-parzen", "q-is-blind", "q-fid-n"],
          "07-wgan": ["q-clipping", "q-interpolates", "q-tracks"], "08-vae": ["q-blur", "q-parzen-iwae", "q-trade-off"],
          "09-representations": ["q-unlabelled", "q-matching", "q-codes"],
          "10-super-resolution": ["q-blur", "q-content", "q-trade-off"],
          "11-domains": ["q-no-labels", "q-source-term", "q-star"],
          "12-project": ["q-data", "q-results", "q-augmentation", "q-custom"]}

# lab: (broken: syntax / loop / nan, hostile: delegated (exercise, code) / shape / dtype / gpu); None: not in this lab.
# The endless loop only in Labs 1 and 3: how a cell's time limit stops it does not depend on the lab, and it
# costs a whole time limit for every cell that calls the looping answer.
PLAN = {
    "01-minimax": (("ex-value", "ex-losses", "ex-gradient"),
                   (("ex-algorithm1", "from gankit import training\nalgorithm1_iteration = training.algorithm1_iteration"),
                    "ex-losses", "ex-gradient", "ex-value")),
    "02-optimal-d": (("ex-two-sample", None, "ex-optimal-d"),
                     (("ex-value-at-optimum", "from gankit import theory\n"
                                              "def value_at_optimum(p_data, p_g, dx):\n"
                                              "    return theory.value_at_optimum(p_data, p_g, dx)"),
                      "ex-jsd", "ex-optimal-d", "ex-two-sample")),
    "03-vanilla-gan": (("ex-d-loss", "ex-interpolate", "ex-g-loss"),
                       (("ex-d-loss", "from gankit import losses\nd_loss = losses.d_loss"),
                        "ex-interpolate", "ex-g-loss", None)),
    "04-cgan": (("ex-class-grid", None, "ex-pix2pix-g-loss"),
                (("ex-cond-losses", "from gankit import losses\n"
                                    "def cgan_d_loss(D, real, fake, labels):\n"
                                    "    return losses.cgan_d_loss(D, real, fake, labels)"),
                 "ex-patch-d-loss", "ex-pix2pix-g-loss", "ex-one-hot")),
    "05-cyclegan": (("ex-train-step", None, "ex-lsgan"),
                    (("ex-image-pool", "from gankit import cyclegan\nclass ImagePool(cyclegan.ImagePool):\n    pass"),
                     "ex-lsgan", "ex-generator-loss", "ex-train-step")),
    "06-evaluation": (("ex-gaussian-fit", None, "ex-frechet"),
                      (("ex-parzen", "from gankit import metrics\n"
                                     "def parzen_log_likelihood(samples, test, sigma):\n"
                                     "    return metrics.parzen_log_likelihood(samples, test, sigma)"),
                       "ex-gaussian-fit", "ex-inception-score", "ex-frechet")),
    "07-wgan": (("ex-critic", None, "ex-critic-losses"),
                (("ex-train-step", "from gankit import training\nwgan_iteration = training.wgan_iteration"),
                 "ex-w1", "ex-critic-losses", "ex-gradient-penalty")),
    "08-vae": (("ex-denoise", None, "ex-kl"),
               (("ex-reparameterize", "from gankit import elbo\nreparameterize = elbo.reparameterize"),
                "ex-iwae", "ex-elbo", "ex-denoise")),
    "09-representations": (("ex-sample-latent", None, "ex-match"),
                           (("ex-feature-matching", "from gankit import semisupervised\n"
                                                    "feature_matching_loss = semisupervised.feature_matching_loss"),
                            "ex-unsupervised", "ex-supervised", "ex-information")),
    "10-super-resolution": (("ex-residual", None, "ex-psnr"),
                            (("ex-upsampler", "class SubPixelUpsampler(super_resolution.SubPixelUpsampler):\n    pass"),
                             "ex-content", "ex-g-loss", "ex-step")),
    "11-domains": (("ex-domain-code", None, "ex-task"),
                   (("ex-accuracy", "from gankit import pixelda\n"
                                    "def accuracy_on_target(T, mnist_m):\n"
                                    "    return pixelda.target_accuracy(T, *mnist_m['test'][:2])"),
                    "ex-star-d-loss", "ex-noise", "ex-star-g-loss")),
    # two exercises, one of them a class (which returns no tensor to spoil): the split takes every spoiling
    "12-project": (("ex-cnn", None, "ex-split"),
                   (("ex-cnn", "from gankit import project\nclass CustomCNN(project.SmallCNN):\n    pass"),
                    "ex-split", "ex-split", "ex-split")),
}


# restoring emptied test cells by grade id does not depend on the lab: one lab's corpus holds the reshuffled solution
RESHUFFLED_LAB = "03-vanilla-gan"


def reshuffled(solution):
    """The solution as an editor can leave it: new cell ids, every test cell emptied to `pass`, the
    title cell moved to the end, and a cell that prints a megabyte. Nothing an answer needs is lost."""
    nb = copy.deepcopy(solution)
    for i, cell in enumerate(nb.cells):
        cell.id = f"edited-{i:03d}"
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"
    nb.cells.append(nb.cells.pop(0))
    nb.cells.append(nbformat.v4.new_code_cell('print("x" * 1_000_000)'))
    return nb


# a student's own written answer, with what HTML and CSV must survive
MADE_UP_ANSWER = 'The losses compare each player with its "current" opponent, not with <b>quality</b>, so they can fall, rise & stall.'


def written_answer(release):
    """The release with its written answer (q-losses) filled in by a student."""
    nb = copy.deepcopy(release)
    next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q-losses").source = MADE_UP_ANSWER
    return nb


def broken(solution, syntax, loop, nan):
    nb = syntax_error(solution, syntax)
    if loop:
        nb = infinite_loop(nb, loop)
    return stripped(poisoned(nb, nan, "nan"))


def hostile(solution, delegated, shape, dtype, gpu):
    nb = delegating(solution, *delegated)
    nb = poisoned(poisoned(nb, shape, "shape"), dtype, "dtype")
    return on_gpu(nb, gpu) if gpu else nb


# the attacks on the machine and on the scores (tests/attacks.py), each graded in one lab's corpus: what
# the sandbox stops does not depend on the lab, and every attack notebook costs a run of its own
ATTACKS = {"01-minimax": ("steal",), "03-vanilla-gan": ("classmates", "gradebook", "suicide"),
           "06-evaluation": ("writer", "lingerer"), "07-wgan": ("network",), "09-representations": ("fork",),
           "10-super-resolution": ("memory",)}
ATTACK_LABS = tuple(ATTACKS)


def lab_of(attack: str) -> str:
    """The lab whose corpus holds `attack`."""
    return next(lab for lab, names in ATTACKS.items() if attack in names)


def write_corpus(lab, solution, release, folder, port=None):
    """Write every submission of `lab` to `folder`; returns the mistake packs (pack-i.ipynb holds packs[i]).
    `port`: the test's TCP server on 127.0.0.1, which the network attack tries to reach."""
    def write(nb, name):
        nbformat.write(nb, str(folder / f"{name}.ipynb"))

    write(solution, "solution")
    write(release, "untouched")
    if lab == RESHUFFLED_LAB:
        write(reshuffled(solution), "reshuffled")
    mod = CATALOGUE[lab]
    packs = mistake_packs(mod.MISTAKES, mod.DEPENDS)
    for i, pack in enumerate(packs):
        nb = solution
        for _, gid, old, new, _ in pack:
            nb = apply(nb, gid, old, new)
        write(nb, f"pack-{i}")
        if i == 0 and lab == "03-vanilla-gan":  # determinism: the same submission twice, in two workers at once
            write(nb, "pack-0-again")
    broken_plan, hostile_plan = PLAN[lab]
    write(broken(solution, *broken_plan), "broken")
    write(hostile(solution, *hostile_plan), "hostile")
    if lab == "01-minimax":
        write(with_cell(solution, VANDAL, at=4), "vandal")
    if lab == "03-vanilla-gan":
        (folder / "not-json.ipynb").write_text("{ this is not a notebook")
        dup = copy.deepcopy(solution)
        i = dup.cells.index(answer_cell(dup, "test-d-loss"))
        dup.cells.insert(i + 1, copy.deepcopy(dup.cells[i]))
        write(dup, "duplicated cell")  # a space in the name: student ids come from file names
        deleted = copy.deepcopy(solution)
        deleted.cells.remove(answer_cell(deleted, "test-interpolate"))
        write(deleted, "deleted-test")
        write(written_answer(release), "written-answer")
    if lab == "06-evaluation":
        write(with_cell(release, SPY + '\nprint("x" * 3_000_000)', at=4), "spy")
        write(with_cell(solution, TAMPER, at=4), "tamper")
    if lab in ATTACKS:
        write_attacks(solution, release, folder, port, ATTACKS[lab])
    return packs


def points(solution) -> dict:
    """Test cell grade id -> points, read from the source notebook."""
    return {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in solution.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


def lost(mod, attacked) -> set:
    """The tests that mistakes or attacks in the `attacked` exercises cost: theirs, and those of the
    exercises that call them (the catalogue's DEPENDS)."""
    hit = set(attacked) | {e for e, calls in mod.DEPENDS.items() if calls & set(attacked)}
    return {mod.TEST_OF[e] for e in hit}

