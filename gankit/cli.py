"""The `gankit` command: demo, release, grade, merge, export, publish, projects, similarity, train-classifier."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def demo(args) -> None:
    """Train the reference GAN for about a minute, write a sample grid and a loss plot."""
    import matplotlib

    matplotlib.use("Agg")
    from gankit import data, models, runtime, training, viz

    runtime.seed(args.seed)
    dev = runtime.device(args.device)
    images = data.load_images(args.data)
    print(f"data: {images.name}, {len(images.labels)} images; device: {dev}")
    G, D = models.reference_gan()
    history = training.train(G, D, images.images, steps=10**9, device=dev, seed=args.seed,
                             max_seconds=args.minutes * 60, **models.REFERENCE_TRAINING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    grid = viz.save_grid(training.sample(G, 64, seed=args.seed), out / "samples.png",
                         title=f"{images.name}: after {history.step[-1]} iterations ({history.seconds:.0f} s)")
    curves = viz.save_history(history, out / "losses.png")
    print(f"trained {history.step[-1]} iterations in {history.seconds:.0f} s")
    print(f"wrote {grid.resolve()}\nwrote {curves.resolve()}")


def release(args) -> None:
    from gankit.grading.course import find_project, release as do_release

    project = find_project(args.project)
    for path in do_release(project, args.labs or None, Path(args.out) if args.out else None):
        print(f"released {path}")


def grade(args) -> None:
    import getpass

    from gankit.grading.course import find_project
    from gankit.grading.grade import EXPOSED, grade as do_grade
    from gankit.grading.sandbox import Limits, parse_size

    limits = Limits(memory=parse_size(args.memory), processes=args.max_processes,
                    notebook_seconds=args.notebook_timeout or None)
    if args.no_sandbox:
        print("gankit grade: warning: " + EXPOSED.format(user=getpass.getuser(), project=find_project(args.project),
                                                       submissions=Path(args.submissions).resolve()), file=sys.stderr)
    rows = do_grade(args.submissions, args.lab, args.out, project=args.project, timeout=args.timeout,
                    fast=not args.full, jobs=args.jobs, sandbox=not args.no_sandbox, limits=limits,
                    roster=_roster(args), written=args.written)
    out = Path(args.out)
    for r in rows:
        print(f"{r['student_id']}: {r['score']:g}/{r['max_score']:g} {r['status']}")
    print(f"wrote {out / 'gradebook.csv'}, {out / 'intake.csv'} (who each row is, which files were not graded) "
          f"and {len(rows)} feedback files in {out / 'feedback'}")


def _roster(args):
    from gankit.grading.intake import parse_columns, read_roster

    return read_roster(Path(args.roster), parse_columns(args.roster_columns)) if args.roster else None


def merge(args) -> None:
    import csv

    import nbformat

    from gankit.grading.course import SOURCE, GradingError, check_lab, find_project
    from gankit.grading.written import merge as do_merge

    out = Path(args.out)
    try:
        with open(out / "gradebook.csv", newline="", encoding="utf-8") as f:
            lab = next(csv.DictReader(f))["assignment"]
    except (OSError, StopIteration, KeyError):
        raise GradingError(f"no gradebook rows in {out}: run `gankit grade ... --out {out}` first.") from None
    project = find_project(args.project)
    source = nbformat.read(str(project / SOURCE / check_lab(project, lab) / f"{lab}.ipynb"), as_version=4)
    given = do_merge(out, source, Path(args.written) if args.written else None)
    print(f"merged {given} written answer(s) into {out / 'gradebook.csv'} and the feedback pages")


def export(args) -> None:
    from gankit.grading.export import export as do_export

    path = do_export(args.out, args.to, roster=_roster(args), column=args.column, output=args.output)
    print(f"wrote {path}")


def publish(args) -> None:
    from gankit.grading.course import find_project
    from gankit.grading.publish import publish as do_publish

    from gankit import colab

    repo = colab.parse(args.repo) if args.repo else None
    written, in_package = do_publish(find_project(args.project), Path(args.out), repo=repo)
    for path in written:
        print(f"published {path}")
    print("no solution or hidden-test line of solutions/ is in the notebooks or the README")
    if in_package:
        print(f"{len(in_package)} solution line(s) also appear in the package's public reference code "
              f"(e.g. {in_package[0]}); `gankit grade` does not let an exercise score by calling it")


def projects(args) -> None:
    from gankit.grading.proposals import assign, read_proposals, report, write_assignments

    outcomes = assign(read_proposals(args.proposals))
    print(report(outcomes))
    if args.out:
        write_assignments(outcomes, args.out)
        print(f"wrote {Path(args.out).resolve()}")


def similarity(args) -> None:
    from gankit.grading.similarity import similarity as rank

    pairs = rank(args.submissions, args.lab, args.out, top=args.top, project=args.project,
                 use_release=not args.no_release)
    print(f"{'rank':>4}  {'score':>5}  pair")
    for n, p in enumerate(pairs[:args.top], 1):
        print(f"{n:>4}  {p.score:>5.0%}  {p.a} and {p.b} ({p.share_a:.0%} / {p.share_b:.0%}, {p.tokens} tokens)")
    out = Path(args.out)
    print(f"wrote {out / 'similarity.csv'} ({len(pairs)} pairs) and {out / 'similarity.html'} (the top {args.top})")


def train_classifier(args) -> None:
    from gankit.classifier import build_weights

    report = build_weights(args.out, epochs=args.epochs, seed=args.seed, root=args.data_root)
    print(f"trained on {report['trained_on']} in {report['seconds']:.0f} s; accuracy on {report['measured_on']}: "
          f"{report['accuracy']:.4f}\nwrote {Path(args.out).resolve()}")


def _roster_arguments(parser) -> None:
    parser.add_argument("--roster", default=None, metavar="ROSTER.csv",
                        help="the class list: columns id (the id you grade by), name, email, lms_id")
    parser.add_argument("--roster-columns", default=None, metavar="FIELD=HEADER,...",
                        help="the roster's headers for those fields, e.g. 'id=SIS User ID,lms_id=ID,name=Student'")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="gankit", description="A GAN course kit: labs, training helpers, grading.")
    sub = p.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="train the reference GAN for about a minute; writes samples.png and losses.png")
    d.add_argument("--minutes", type=float, default=1.0)
    d.add_argument("--out", default="gankit-demo")
    d.add_argument("--data", default="auto", choices=["digits", "mnist", "auto"],
                   help="auto (default: MNIST where it is on disk or can be downloaded, else the bundled digits), "
                        "mnist, or digits (scikit-learn's 8x8 digits blown up to 28x28; no download)")
    d.add_argument("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    d.add_argument("--seed", type=int, default=0)
    d.set_defaults(run=demo)

    r = sub.add_parser("release", help="regenerate the student notebooks (notebooks/) from solutions/")
    r.add_argument("labs", nargs="*", metavar="LAB", help="labs to release (default: all)")
    r.add_argument("--out", default=None, help="release folder (default: notebooks/ of the project)")
    r.add_argument("--project", default=None, help="the course repository (default: found from here)")
    r.set_defaults(run=release)

    g = sub.add_parser("grade", help="grade a folder of submitted notebooks into a gradebook and feedback")
    g.add_argument("submissions", help="the LMS's download (a .zip or a folder; Canvas and Moodle naming, a folder "
                                      "per student, or <student_id>.ipynb)")
    g.add_argument("--lab", required=True, help="the lab they submitted, e.g. 03-vanilla-gan")
    g.add_argument("--out", default="graded", help="where gradebook.csv and feedback/ go (default: graded)")
    g.add_argument("--timeout", type=int, default=120, help="seconds each cell may run (default: 120)")
    g.add_argument("--full", action="store_true", help="grade with the full training budgets, not fast mode")
    g.add_argument("--jobs", type=int, default=1,
                   help="submissions graded at once, in separate processes (default: 1; try the number of cores)")
    g.add_argument("--project", default=None, help="the course repository (default: found from here)")
    g.add_argument("--memory", default="4G", help="memory each notebook may use, e.g. 4G or 512M (default: 4G)")
    g.add_argument("--max-processes", type=int, default=512,
                   help="processes and threads each notebook may run at once (default: 512)")
    g.add_argument("--notebook-timeout", type=int, default=1200,
                   help="seconds each whole notebook may run, on top of --timeout per cell (default: 1200; 0: none)")
    g.add_argument("--no-sandbox", action="store_true",
                   help="run notebooks as you, with your files and network in reach (default: each in a "
                        "bubblewrap sandbox)")
    g.add_argument("--written", default=None, metavar="WRITTEN.csv",
                   help="points and comments for the written answers (default: OUT/written.csv, once filled in)")
    _roster_arguments(g)
    g.set_defaults(run=grade)

    m = sub.add_parser("merge", help="put the points and comments of OUT/written.csv into the gradebook and feedback")
    m.add_argument("out", metavar="OUT", help="the folder `gankit grade` wrote")
    m.add_argument("--written", default=None, metavar="WRITTEN.csv", help="default: OUT/written.csv")
    m.add_argument("--project", default=None, help="the course repository (default: found from here)")
    m.set_defaults(run=merge)

    x = sub.add_parser("export", help="write the grades as a CSV that Canvas or Moodle imports")
    x.add_argument("out", metavar="OUT", help="the folder `gankit grade` wrote (gradebook.csv, intake.csv)")
    x.add_argument("--to", required=True, choices=["canvas", "moodle", "csv"])
    x.add_argument("--column", default=None,
                   help="the grade column's header (Canvas: the assignment as its export names it, e.g. "
                        "'03 Vanilla GAN (4521)'; default: the lab)")
    x.add_argument("--output", default=None, help="where to write (default: OUT/export-<to>.csv)")
    _roster_arguments(x)
    x.set_defaults(run=export)

    u = sub.add_parser("publish", help="write the student-facing tree (released labs, package, README), no solutions")
    u.add_argument("out", metavar="DIR", help="a new or empty folder")
    u.add_argument("--project", default=None, help="the course repository (default: found from here)")
    u.add_argument("--repo", default=None, metavar="OWNER/NAME[@BRANCH]",
                   help="the repository the published tree will live in: its badges and set-up cells point there "
                        "(default: [tool.gankit] of pyproject.toml)")
    u.set_defaults(run=publish)

    j = sub.add_parser("projects", help="give out the course project's data sets, first come first served")
    j.add_argument("proposals", metavar="PROPOSALS.csv",
                   help="columns: group, members, plan A, plan B, submitted-at (e.g. 2026-10-05 14:30)")
    j.add_argument("--out", default=None, metavar="FILE.csv", help="also write the assignments to this CSV")
    j.set_defaults(run=projects)

    s = sub.add_parser("similarity", help="rank pairs of submissions by the code they share (copy detection)")
    s.add_argument("submissions", metavar="SUBMISSIONS",
                   help="the LMS's download (a .zip or a folder, named as for `gankit grade`)")
    s.add_argument("--lab", default="12-project",
                   help="the lab they submitted, whose release (shared by everyone) does not count "
                        "(default: 12-project, the course project)")
    s.add_argument("--out", default="similarity", help="where similarity.csv and similarity.html go (default: similarity)")
    s.add_argument("--top", type=int, default=10, help="pairs shown and put side by side (default: 10)")
    s.add_argument("--no-release", action="store_true", help="compare everything, the release's code too")
    s.add_argument("--project", default=None, help="the course repository (default: found from here)")
    s.set_defaults(run=similarity)

    c = sub.add_parser("train-classifier", help="rebuild the shipped digit classifier's weights (needs MNIST)")
    c.add_argument("--out", default=str(Path(__file__).parent / "weights" / "digit_classifier.pt"))
    c.add_argument("--epochs", type=int, default=15)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--data-root", default=None, help="where MNIST lies (default: $GANKIT_DATA or the cache)")
    c.set_defaults(run=train_classifier)

    args = p.parse_args(argv)
    from gankit.grading.course import GradingError
    from gankit.data import DataNotFoundError

    try:
        args.run(args)
    except (GradingError, DataNotFoundError) as e:
        print(f"gankit {args.command}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
