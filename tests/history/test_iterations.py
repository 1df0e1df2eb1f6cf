"""`mlreq iteration new/list`: annotated tags with safe names, the human name kept."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlreq.projects import Project
from mlreq.projects.history import History

from .conftest import UI, assert_no_stray_files, assert_one_line_error, commit_count, console, git, save


def _tags(path: Path) -> list[str]:
    return git(path, "tag", "--list").split()


def _ref_format_ok(tag: str) -> bool:
    return subprocess.run(["git", "check-ref-format", f"refs/tags/{tag}"], capture_output=True).returncode == 0


def test_new_iteration_is_an_annotated_tag_keeping_name_and_note(cli, project_dir):
    save(Project.open(project_dir), UI, "Chargers fail.")

    outcome = cli("iteration", "new", "Kick-off workshop", "-m", "With the operator\nand two engineers", cwd=project_dir)

    assert outcome.code == 0, outcome
    assert "Kick-off workshop" in outcome.out and "iteration/kick-off-workshop" in outcome.out
    assert _tags(project_dir) == ["iteration/kick-off-workshop"]
    assert git(project_dir, "cat-file", "-t", "iteration/kick-off-workshop").strip() == "tag"
    assert git(project_dir, "rev-parse", "iteration/kick-off-workshop^{commit}").strip() == git(project_dir, "rev-parse", "HEAD").strip()
    message = git(project_dir, "tag", "--list", "--format=%(contents)", "iteration/kick-off-workshop")
    assert message.startswith("Kick-off workshop\n")
    assert "With the operator\nand two engineers" in message
    assert "Mlreq-Iteration: Kick-off workshop" in message
    assert git(project_dir, "tag", "--list", "--format=%(taggername)", "iteration/kick-off-workshop").strip() == "Test Person"


def test_iteration_list_text_and_json(cli, evolved):
    text = cli("iteration", "list", cwd=evolved.path)
    assert text.code == 0
    lines = [line for line in text.out.splitlines() if not line.startswith("    ")]
    assert [line.split("  ")[-1] for line in lines] == ["Kick-off workshop", "Review 2"]
    assert "    First workshop with the operator" in text.out

    data = json.loads(cli("iteration", "list", "--json", cwd=evolved.path).out)
    assert [i["name"] for i in data] == ["Kick-off workshop", "Review 2"]
    assert data[0]["tag"] == "iteration/kick-off-workshop"
    assert data[0]["commit"] == evolved.saves[1]
    assert data[1]["commit"] == evolved.saves[2]
    assert data[0]["note"] == "First workshop with the operator\nsecond line of the note"
    assert data[1]["note"] == ""
    assert set(data[0]) == {"name", "tag", "commit", "date", "note"}
    assert data[0]["date"][:4].isdigit() and "T" in data[0]["date"]


def test_iteration_list_when_there_is_none(cli, project_dir):
    outcome = cli("iteration", "list", cwd=project_dir)
    assert outcome.code == 0 and "no iterations yet" in outcome.out
    assert json.loads(cli("iteration", "list", "--json", cwd=project_dir).out) == []


@pytest.mark.parametrize("again", ["Kick-off workshop", "kick-off WORKSHOP", "Kick off  workshop", "  Kick-off workshop "])
def test_existing_iteration_name_is_refused(cli, project_dir, again):
    assert cli("iteration", "new", "Kick-off workshop", cwd=project_dir).code == 0
    before = git(project_dir, "rev-parse", "iteration/kick-off-workshop").strip()

    outcome = cli("iteration", "new", again, cwd=project_dir)

    line = assert_one_line_error(outcome, 2)
    assert "'Kick-off workshop' already exists" in line and "iteration/kick-off-workshop" in line
    assert _tags(project_dir) == ["iteration/kick-off-workshop"]
    assert git(project_dir, "rev-parse", "iteration/kick-off-workshop").strip() == before


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("Workshop 3 with ops", "iteration/workshop-3-with-ops"),
        ("Phase 1/Scoping", "iteration/phase-1-scoping"),
        ("a..b", "iteration/a-b"),
        ("..", "iteration/iteration-1"),
        ("-rf", "iteration/rf"),
        ("--output=x", "iteration/output-x"),
        ("Överblick 2", "iteration/overblick-2"),
        ("ワークショップ", "iteration/iteration-1"),
        ("refs/heads/main", "iteration/refs-heads-main"),
        ("@{-1}", "iteration/1"),
        ("x.lock", "iteration/x-lock"),
        ("# Review", "iteration/review"),
    ],
)
def test_awkward_names_get_a_safe_tag_and_keep_the_name(cli, project_dir, name, tag):
    outcome = cli("iteration", "new", "-m", "note", "--", name, cwd=project_dir)

    assert outcome.code == 0, outcome
    assert _tags(project_dir) == [tag]
    assert _ref_format_ok(tag)
    history = History(Project.open(project_dir))
    [iteration] = history.iterations()
    assert (iteration.name, iteration.tag, iteration.note) == (name, tag, "note")
    # The iteration is found again by its human name.
    assert history.resolve(name) == iteration.commit
    assert_no_stray_files(project_dir, Path.cwd())


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "1-100 characters"),
        ("   ", "1-100 characters"),
        ("a\x1b[2Jb", "control characters"),
        ("line\nbreak", "control characters"),
        ("x" * 101, "1-100 characters"),
        ("now", "already means something"),
        ("HEAD", "already means something"),
    ],
)
def test_unusable_names_are_refused_clearly(cli, project_dir, name, message):
    outcome = cli("iteration", "new", "--", name, cwd=project_dir)

    line = assert_one_line_error(outcome, 2)
    assert message in line
    assert _tags(project_dir) == []


def test_note_lines_starting_with_hash_are_kept(cli, project_dir):
    """git's default message clean-up would drop them as comments."""
    cli("iteration", "new", "#3 Review", "-m", "# agenda\n#1 data\nplain line", cwd=project_dir)

    [iteration] = History(Project.open(project_dir)).iterations()
    assert iteration.name == "#3 Review"
    assert iteration.note == "# agenda\n#1 data\nplain line"


def test_non_ascii_names_get_distinct_numbered_tags(cli, project_dir):
    """A number already taken by a typed name ("Iteration 2") is skipped, not a clash."""
    for name in ("Iteration 2", "ワークショップ", "Семинар", "ワークショップ 2"):
        outcome = cli("iteration", "new", name, cwd=project_dir)
        assert outcome.code == 0, outcome
    iterations = History(Project.open(project_dir)).iterations()
    assert [(i.name, i.tag) for i in iterations] == [
        ("Iteration 2", "iteration/iteration-2"),
        ("ワークショップ", "iteration/iteration-3"),
        ("Семинар", "iteration/iteration-4"),
        ("ワークショップ 2", "iteration/2"),
    ]
    assert all(_ref_format_ok(i.tag) for i in iterations)


def test_iterations_made_within_one_second_list_in_the_order_made(cli, project_dir):
    project = Project.open(project_dir)
    history = History(project)
    for name in ("Zeta", "Mu", "Alpha"):  # reverse alphabetical: a name sort would invert them
        history.create_iteration(name)
        save(project, UI, f"after {name}")

    assert [i.name for i in history.iterations()] == ["Zeta", "Mu", "Alpha"]
    assert history.current_iteration().name == "Alpha"
    assert history.default_from() == "Alpha"


def test_new_iteration_commits_pending_answers_first(cli, project_dir):
    """An answer written by hand (or whose commit failed) is part of the milestone."""
    path = project_dir / "answers" / "scoping.toml"
    path.write_text(path.read_text().replace('answer = ""', 'answer = "typed by hand"', 1))
    before = commit_count(project_dir)

    assert cli("iteration", "new", "Kick-off", cwd=project_dir).code == 0

    assert commit_count(project_dir) == before + 1
    tagged = git(project_dir, "show", "iteration/kick-off:answers/scoping.toml")
    assert "typed by hand" in tagged


def test_leading_dash_name_through_the_console_script(project_dir):
    """`mlreq iteration new -- "-rf"`: a name, never an option to mlreq or to git."""
    made = console("iteration", "new", "--", "-rf", cwd=project_dir)

    assert made.code == 0, made
    assert "Traceback" not in made.err
    assert _tags(project_dir) == ["iteration/rf"]
    listed = json.loads(console("iteration", "list", "--json", cwd=project_dir).out)
    assert listed[0]["name"] == "-rf"

    again = console("iteration", "new", "--", "-RF", cwd=project_dir)
    line = assert_one_line_error(again, 2)
    assert "already exists" in line
    assert_no_stray_files(project_dir)


def test_leading_dash_name_without_double_dash_is_a_usage_error(project_dir):
    outcome = console("iteration", "new", "-rf", cwd=project_dir)

    assert_one_line_error(outcome, 2)
    assert _tags(project_dir) == []


def test_without_a_git_identity_the_iteration_is_refused_clearly(cli, project_dir, no_identity):
    outcome = cli("iteration", "new", "Kick-off", cwd=project_dir)

    line = assert_one_line_error(outcome, 1)
    assert "git does not know who you are" in line and "--author" in line
    assert _tags(project_dir) == []
    made = cli("--author", "Ada Analyst <ada@example.com>", "iteration", "new", "Kick-off", cwd=project_dir)
    assert made.code == 0, made
    assert git(project_dir, "tag", "--list", "--format=%(taggername)", "iteration/kick-off").strip() == "Ada Analyst"


# ------------------------------------------------------------------ rename and delete (issue 11 item 3)


def _tag_lines(path: Path) -> str:
    return git(path, "for-each-ref", "--format=%(refname:strip=2) %(*objectname) %(creatordate:raw)", "refs/tags/")


def test_rename_keeps_the_commit_note_and_date(cli, evolved):
    before = git(evolved.path, "for-each-ref", "--format=%(*objectname) %(creatordate:raw) %(taggername)", "refs/tags/iteration/kick-off-workshop")

    outcome = cli("iteration", "rename", "Kick-off workshop", "Data audit", cwd=evolved.path)

    assert outcome.code == 0, outcome
    assert "'Kick-off workshop' is now 'Data audit'" in outcome.out
    assert _tags(evolved.path) == ["iteration/data-audit", "iteration/review-2"]
    after = git(evolved.path, "for-each-ref", "--format=%(*objectname) %(creatordate:raw) %(taggername)", "refs/tags/iteration/data-audit")
    assert after == before  # same commit, same date (so the same place in the list), same tagger
    data = json.loads(cli("iteration", "list", "--json", cwd=evolved.path).out)
    assert [(i["name"], i["note"]) for i in data] == [
        ("Data audit", "First workshop with the operator\nsecond line of the note"),
        ("Review 2", ""),
    ]
    assert cli("diff", "Data audit", "Review 2", cwd=evolved.path).code == 0  # the new name is a revision


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Kickoff", "X", "no iteration 'Kickoff'; the iterations are: 'Kick-off workshop', 'Review 2'"),
        ("Kick-off workshop", "review 2", "iteration 'Review 2' already exists"),
        ("Kick-off workshop", "now", "'now' already means something"),
        ("Kick-off workshop", "bad\x07name", "without control characters"),
        ("Kick-off workshop", "   ", "must be 1-100 characters"),
    ],
)
def test_rename_refuses_bad_names_and_changes_nothing(cli, evolved, old, new, message):
    before = _tag_lines(evolved.path)

    line = assert_one_line_error(cli("iteration", "rename", old, new, cwd=evolved.path))

    assert message in line
    assert _tag_lines(evolved.path) == before


def test_delete_removes_the_tag_and_keeps_every_commit(cli, evolved):
    commits = commit_count(evolved.path)

    outcome = cli("iteration", "delete", "Review 2", cwd=evolved.path)

    assert outcome.code == 0, outcome
    assert f"its tag iteration/review-2 is removed; the commits it marked ({evolved.saves[2][:10]}) and every save are kept" in outcome.out
    assert _tags(evolved.path) == ["iteration/kick-off-workshop"]
    assert commit_count(evolved.path) == commits
    assert git(evolved.path, "cat-file", "-t", evolved.saves[2]).strip() == "commit"
    line = assert_one_line_error(cli("iteration", "delete", "Review 2", cwd=evolved.path))
    assert line == "mlreq: no iteration 'Review 2'; the iterations are: 'Kick-off workshop'"
