"""A teammate who cloned with plain `git clone`: the driver is named in .gitattributes but
git has no command for it, so git line-merges answer files. mlreq configures the driver on
its first command (saying so once), and a file git left with conflict markers is reported
as a merge conflict with the way out, by every command and by `mlreq check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import RESOURCES, Team, assert_one_line_error, git, read_answers, run

THEIRS = "Two data engineers for three months."
MINE = "One data scientist and a contractor."


@pytest.fixture
def plain(team: Team, tmp_path: Path) -> Path:
    """A clone made by git alone: no mlreq command ever ran in it."""
    git(tmp_path, "clone", "--quiet", str(team.hub), "plain")
    side = tmp_path / "plain"
    assert git(side, "config", "--get", "merge.mlreq.driver", check=False) == ""
    return side


def _hand_edit(side: Path, qid: str, text: str) -> None:
    """An edit in a text editor, committed with git: nothing of mlreq runs."""
    path = side / "answers" / f"{qid.split('.')[0]}.toml"
    content = path.read_text()
    start = content.index(f'["{qid}"]')
    path.write_text(content[:start] + content[start:].replace('answer = ""', f'answer = "{text}"', 1))
    git(side, "commit", "-q", "-am", f"Answer {qid}")


def test_the_first_mlreq_command_configures_the_driver_and_says_so_once(plain: Path, cli):
    first = cli("status", cwd=plain)
    second = cli("status", cwd=plain)

    assert first.code == 0 and second.code == 0
    assert len(first.err_lines) == 1
    assert "is not configured in this clone" in first.err and "configured it in this repository's git config" in first.err
    assert second.err == ""
    assert "-I -m mlreq merge-driver" in git(plain, "config", "--get", "merge.mlreq.driver")
    assert git(plain, "config", "--get", "pull.rebase", check=False) == ""  # the user's clone: nothing else set


def test_check_in_a_plain_clone_is_not_ok_until_the_driver_is_configured(plain: Path, cli):
    checked = cli("check", cwd=plain)

    assert checked.code == 0  # a warning: a CI checkout validating its files still passes
    assert "warning: git's merge driver for answers is not configured in this clone" in checked.out
    assert "ok: no problems found" not in checked.out
    assert cli("check", cwd=plain).out.strip() == "ok: no problems found"


@pytest.fixture
def line_merged(team: Team, plain: Path) -> tuple[Path, int]:
    """The plain clone after `git pull` line-merged an answer changed on both sides."""
    team.answer(team.a, RESOURCES, THEIRS)
    team.sync(team.a)
    _hand_edit(plain, RESOURCES, MINE)
    pulled = run(plain, "git", "pull", "--no-rebase")
    assert pulled.returncode != 0 and "CONFLICT" in pulled.stdout
    lines = (plain / "answers" / "scoping.toml").read_text().splitlines()
    return plain, next(n for n, line in enumerate(lines, 1) if line.startswith("<<<<<<<"))


def test_check_reports_the_conflict_markers_where_they_are_and_the_way_out(line_merged, cli):
    side, line = line_merged

    checked = cli("check", cwd=side)

    assert checked.code == 1
    found = [entry for entry in checked.out.splitlines() if entry.startswith("answers/scoping.toml")]
    assert len(found) == 1 and found[0].startswith(f"answers/scoping.toml:{line}: error: merge conflict")
    assert "Invalid statement" not in checked.out
    assert "git checkout -m -- answers/scoping.toml" in found[0] and "git commit" in found[0]


@pytest.mark.parametrize(
    "argv",
    [
        ("status",),
        ("show", RESOURCES),
        ("answer", RESOURCES, "--text", "A third text"),
        ("export", "--format", "json"),
        ("impact", RESOURCES),
    ],
)
def test_every_command_reports_the_merge_conflict_with_the_way_out(line_merged, cli, argv):
    side, line = line_merged
    before = (side / "answers" / "scoping.toml").read_bytes()
    cli("remote", "show", cwd=side)  # the first command configures the driver (and says so)

    outcome = cli(*argv, cwd=side)

    if argv[0] == "answer":  # a write: the unfinished merge itself is refused first, nothing written
        message = assert_one_line_error(outcome, 6)
        assert "a merge is in progress" in message and "git merge --abort" in message, message
        assert (side / "answers" / "scoping.toml").read_bytes() == before
        return
    message = assert_one_line_error(outcome)
    assert f"answers/scoping.toml:{line}: merge conflict" in message, message
    assert "git checkout -m -- answers/scoping.toml" in message
    assert (side / "answers" / "scoping.toml").read_bytes() == before  # nothing rewritten


def test_the_way_out_merges_the_file_again_by_question(line_merged, cli):
    side, _ = line_merged
    cli("status", cwd=side)  # configures the driver

    redone = run(side, "git", "checkout", "-m", "--", "answers/scoping.toml")
    git(side, "add", "--", "answers/scoping.toml")
    git(side, "commit", "-q", "--no-edit")

    assert redone.returncode == 0, redone.stderr
    entry = read_answers(side / "answers" / "scoping.toml")[RESOURCES]
    assert (entry["answer"], entry["conflict"], entry["status"]) == (MINE, THEIRS, "needs-review")
    assert "Changed on both sides" in cli("status", cwd=side).out
    assert cli("check", cwd=side).out.strip() == "ok: no problems found"


def test_conflict_markers_in_form_toml_are_reported_too(plain: Path, cli):
    cli("status", cwd=plain)
    path = plain / "form.toml"
    lines = path.read_text().splitlines(keepends=True)
    at = next(n for n, text in enumerate(lines) if text.startswith("text = "))
    lines[at:at + 1] = ["<<<<<<< HEAD\n", lines[at], "=======\n", 'text = "Other wording?"\n', ">>>>>>> origin/main\n"]
    path.write_text("".join(lines))

    outcome = cli("status", cwd=plain)
    checked = cli("check", cwd=plain)

    message = assert_one_line_error(outcome, 3)
    assert f"form.toml:{at + 1}: merge conflict" in message and "git checkout -m" in message
    assert f"form.toml:{at + 1}: error: merge conflict" in checked.out
