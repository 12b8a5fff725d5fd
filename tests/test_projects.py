"""`gankit projects`: data sets given out first come, first served, names matched through case and spelling."""
import csv
import re

import pytest

from gankit.cli import main
from gankit.grading.course import GradingError
from gankit.grading.proposals import assign, read_proposals, same_data_set

PROPOSALS = """group,members,plan A,plan B,submitted-at
owls,Ann; Ben,CIFAR-10,SVHN,2026-10-05 14:30
bats,Cy; Di,cifar 10,Fashion-MNIST,2026-10-05 09:00
cats,Ed; Flo,Fashon MNIST,Oxford Pets,2026-10-06 10:00
dogs,Gus; Hal,svhn,fashion mnist,2026-10-07 08:00
eels,Ida,CIFAR100,Flowers102,2026-10-07 08:00
"""


@pytest.fixture
def proposals(tmp_path):
    path = tmp_path / "proposals.csv"
    path.write_text(PROPOSALS)
    return path


def test_first_come_first_served_with_plan_b_and_the_groups_left_without(proposals):
    out = {o.proposal.group: o for o in assign(read_proposals(proposals))}
    assert (out["bats"].data_set, out["bats"].plan) == ("cifar 10", "A")  # earliest: its plan A
    assert (out["owls"].data_set, out["owls"].plan) == ("SVHN", "B")  # CIFAR-10 is bats' (case, hyphen)
    assert (out["cats"].data_set, out["cats"].plan) == ("Fashon MNIST", "A")  # bats' plan B was never given out
    assert out["dogs"].data_set == "" and out["dogs"].plan == ""  # both its plans were taken earlier
    assert "plan A 'svhn' is held by group owls (submitted 2026-10-05 14:30)" in out["dogs"].notes
    assert "plan B 'fashion mnist' read as 'Fashon MNIST' (a spelling of the same data set)" in out["dogs"].notes
    assert "plan B 'fashion mnist' is held by group cats (submitted 2026-10-06 10:00)" in out["dogs"].notes
    assert (out["eels"].data_set, out["eels"].plan) == ("CIFAR100", "A")  # not CIFAR-10: the numbers differ


def test_names_that_differ_in_case_spacing_or_one_slip_are_one_data_set():
    assert same_data_set("CIFAR-10", "cifar 10") and same_data_set("Fashion-MNIST", "fashon mnist")
    assert same_data_set("Oxford Pets", "Oxfrod-Pets")  # two letters swapped
    assert not same_data_set("CIFAR10", "CIFAR100") and not same_data_set("SVHN", "STL10")
    assert not same_data_set("Food101", "Flowers102") and not same_data_set("pets", "bets")  # short names: exact only


def test_a_spelling_match_is_reported(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("Group,Members,Plan_A,Plan-B,Submitted At\n"
                    "g1,a,Fashion-MNIST,SVHN,2026-10-01T10:00\ng2,b,Fashon MNIST,KMNIST,2026-10-01T11:00\n")
    g2 = assign(read_proposals(path))[1]
    assert g2.data_set == "KMNIST"
    assert "plan A 'Fashon MNIST' read as 'Fashion-MNIST' (a spelling of the same data set)" in g2.notes


def test_a_revised_proposal_replaces_the_first_and_takes_its_later_time(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("group,members,plan A,plan B,submitted-at\n"
                    "g1,a,MNIST,SVHN,2026-10-01 10:00\ng2,b,CIFAR10,KMNIST,2026-10-01 11:00\n"
                    "G1,a,CIFAR10,EMNIST,2026-10-02 09:00\n")
    out = {o.proposal.group.lower(): o for o in assign(read_proposals(path))}
    assert out["g2"].data_set == "CIFAR10" and out["g1"].data_set == "EMNIST"
    assert "row 2 replaced by row 4 (a later proposal)" in out["g1"].notes


@pytest.mark.parametrize("text,phrase", [
    ("group,members,plan A,submitted-at\ng,a,MNIST,2026-10-01 10:00\n", "no column 'plan B'"),
    ("group,members,plan A,plan B,submitted-at\ng,a,MNIST,SVHN,last tuesday\n", "row 2 (group 'g'): submitted-at"),
    ("group,members,plan A,plan B,submitted-at\ng,a,,SVHN,2026-10-01 10:00\n", "no plan A"),
])
def test_bad_proposals_are_refused_naming_the_problem(tmp_path, text, phrase):
    path = tmp_path / "p.csv"
    path.write_text(text)
    with pytest.raises(GradingError, match=re.escape(phrase)):
        read_proposals(path)


def test_the_command_prints_the_table_and_writes_the_csv(proposals, tmp_path, capsys):
    assert main(["projects", str(proposals), "--out", str(tmp_path / "assigned.csv")]) == 0
    printed = capsys.readouterr().out
    assert "1 group(s) left without a data set" in printed and "dogs:" in printed
    rows = list(csv.DictReader(open(tmp_path / "assigned.csv")))
    assert [r["group"] for r in rows] == ["bats", "owls", "cats", "dogs", "eels"]
    assert rows[1]["data set"] == "SVHN" and rows[1]["plan"] == "B" and rows[3]["data set"] == ""
    assert main(["projects", str(tmp_path / "missing.csv")]) == 2
    assert "is not a file" in capsys.readouterr().err
