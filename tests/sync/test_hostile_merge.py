"""A remote's content never runs on a merge, and the driver survives its install moving.

Git runs the merge driver from the work tree's root whenever an answer file changed on
both sides is merged, by `mlreq sync` and by plain git alike. A hostile remote therefore
commits every module name Python could pick up from there (mlreq's own package names,
the old top-level ones, `sitecustomize`/`usercustomize`), at the root and in subfolders,
each writing a marker file when imported. The merge must be by question and no marker
may appear.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import VENV_BIN

from .conftest import RESOURCES, Team, git, read_answers, run

PLANTED = [
    "projects/__init__.py",
    "bank/__init__.py",
    "tui/__init__.py",
    "mlreq/__init__.py",
    "mlreq/__main__.py",
    "mlreq/projects/__init__.py",
    "mlreq.py",
    "sitecustomize.py",
    "usercustomize.py",
]
SUBFOLDERS = ["", "answers/", ".mlreq/", "src/"]
FALLBACK_SAYS = "mlreq merge driver: no working mlreq"


def _plant(side: Path, markers: Path) -> list[Path]:
    """Commit code that leaves a marker file wherever it gets imported; returns the markers."""
    created = []
    for folder in SUBFOLDERS:
        for name in PLANTED:
            relative = f"{folder}{name}"
            marker = markers / relative.replace("/", "__")
            path = side / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"open({str(marker)!r}, 'w').write('imported')\n")
            created.append(marker)
    git(side, "add", "--force", "--", *[f"{folder}{name}" for folder in SUBFOLDERS for name in PLANTED])
    git(side, "commit", "-q", "-m", "Helpful tooling")
    return created


def _conflicting_answers(team: Team) -> None:
    team.answer(team.a, RESOURCES, "Two data engineers for three months.")
    team.sync(team.a)
    team.answer(team.b, RESOURCES, "One data scientist and a contractor.")


def _resources(side: Path) -> dict:
    return read_answers(side / "answers" / "scoping.toml")[RESOURCES]


def _assert_merged_by_question(side: Path) -> None:
    entry = _resources(side)
    assert entry["answer"] == "One data scientist and a contractor."
    assert entry["conflict"] == "Two data engineers for three months."
    assert "<<<<<<<" not in (side / "answers" / "scoping.toml").read_text()


@pytest.mark.parametrize("how", ["mlreq sync", "git pull", "git merge", "git pull --rebase"])
def test_code_planted_by_a_remote_never_runs_when_answers_merge(team: Team, tmp_path: Path, how: str):
    markers = tmp_path / "markers"
    markers.mkdir()
    planted = _plant(team.a, markers)
    _conflicting_answers(team)

    if how == "mlreq sync":
        outcome = team.sync(team.b)
        assert "changed on both sides, both versions kept: scoping.resources" in outcome.out
        said = outcome.err
    else:
        if how == "git merge":
            assert run(team.b, "git", "fetch", "--quiet").returncode == 0
            done = run(team.b, "git", "merge", "--no-edit", "origin/main")
        else:
            done = run(team.b, *how.split())
        assert done.returncode == 0, done.stderr
        said = done.stdout + done.stderr
        assert "CONFLICT" not in said
    if how == "git pull --rebase":  # replaying b's commit onto a's: "ours" is a's text here
        entry = _resources(team.b)
        assert {entry["answer"], entry["conflict"]} == {"One data scientist and a contractor.", "Two data engineers for three months."}
    else:
        _assert_merged_by_question(team.b)
    assert "RuntimeWarning" not in said and "Traceback" not in said and FALLBACK_SAYS not in said
    assert [m.name for m in planted if m.exists()] == []
    assert sorted(os.listdir(markers)) == []


def test_the_driver_does_not_read_python_settings_from_the_environment_of_the_work_tree(team: Team, tmp_path: Path):
    """PYTHONPATH=. (or an empty entry) would put the work tree first; the driver ignores it."""
    markers = tmp_path / "markers"
    markers.mkdir()
    _plant(team.a, markers)
    _conflicting_answers(team)
    env = {**os.environ, "PYTHONPATH": ".:", "PYTHONSTARTUP": str(team.b / "sitecustomize.py")}

    pulled = subprocess.run(["git", "pull"], cwd=team.b, env=env, capture_output=True, text=True, timeout=60)

    assert pulled.returncode == 0, pulled.stderr
    _assert_merged_by_question(team.b)
    assert sorted(os.listdir(markers)) == []


def _record_vanished_interpreter(side: Path, tmp_path: Path) -> Path:
    from mlreq.projects.mergedriver import driver_command

    # Quoted for the shell, and its `%` kept from git's placeholder expansion.
    gone = tmp_path / "old 'venv' $(touch PWNED) 100%A" / "bin" / "python"
    git(side, "config", "merge.mlreq.driver", driver_command(str(gone)))
    return gone


def test_a_vanished_interpreter_falls_back_to_the_mlreq_on_path(team: Team, tmp_path: Path):
    _conflicting_answers(team)
    gone = _record_vanished_interpreter(team.b, tmp_path)  # after mlreq ran there: it would repair it
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}"}

    pulled = subprocess.run(["git", "pull"], cwd=team.b, env=env, capture_output=True, text=True, timeout=60)

    assert pulled.returncode == 0, pulled.stderr
    _assert_merged_by_question(team.b)
    assert FALLBACK_SAYS not in pulled.stderr and "RuntimeWarning" not in pulled.stderr
    from mlreq.projects.mergedriver import driver_command

    assert git(team.b, "config", "--get", "merge.mlreq.driver").strip() == driver_command(str(gone))  # git changed nothing


def _path_without_mlreq() -> str:
    folders = sorted({str(Path(shutil.which("git")).parent), str(Path(shutil.which("sh")).parent), "/usr/bin", "/bin"})
    path = os.pathsep.join(folders)
    if shutil.which("mlreq", path=path):
        pytest.skip("an mlreq is installed system-wide")
    return path


def test_without_any_mlreq_git_line_merges_with_a_message_and_mlreq_repairs_it(team: Team, tmp_path: Path, cli):
    _conflicting_answers(team)
    gone = _record_vanished_interpreter(team.b, tmp_path)
    env = {**os.environ, "PATH": _path_without_mlreq()}

    pulled = subprocess.run(["git", "pull"], cwd=team.b, env=env, capture_output=True, text=True, timeout=60)

    assert pulled.returncode != 0
    said = [line for line in pulled.stderr.splitlines() if FALLBACK_SAYS in line]
    assert len(said) == 1 and str(gone) in said[0] and "answers/scoping.toml" in said[0]
    text = (team.b / "answers" / "scoping.toml").read_text()
    assert "<<<<<<< ours" in text  # git's own merge, as promised
    assert not (team.b / "PWNED").exists()

    checked = cli("check", cwd=team.b)
    assert checked.code == 1
    marker_line = text.splitlines().index(next(line for line in text.splitlines() if line.startswith("<<<<<<<"))) + 1
    assert f"answers/scoping.toml:{marker_line}: error: merge conflict" in checked.out
    assert "git checkout -m -- answers/scoping.toml" in checked.out
    driver_line = next(line for line in checked.out.splitlines() if "git's merge driver for answers" in line)
    assert "warning" in driver_line and f"points at {gone}, which no longer exists" in driver_line
    assert "configured it" in driver_line
    assert "ok: no problems found" not in checked.out

    # The way out the message gives: merge the file again, now by question, and commit.
    redone = run(team.b, "git", "checkout", "-m", "--", "answers/scoping.toml")
    assert redone.returncode == 0, redone.stderr
    git(team.b, "add", "--", "answers/scoping.toml")
    git(team.b, "commit", "-q", "--no-edit")
    _assert_merged_by_question(team.b)
    assert cli("check", cwd=team.b).out.strip() == "ok: no problems found"
    team.sync(team.b)
    team.sync(team.a)
    team.assert_nothing_lost()


def test_an_old_unsafe_driver_setting_is_replaced_and_said_once(team: Team, cli):
    git(team.b, "config", "merge.mlreq.driver", "python3 -m projects.mergedriver %O %A %B %P")

    first = cli("status", cwd=team.b)
    second = cli("status", cwd=team.b)

    assert first.code == 0 and second.code == 0
    assert "runs mlreq the old, unsafe way" in first.err and "configured it" in first.err
    assert second.err == ""
    assert "-I -m mlreq merge-driver" in git(team.b, "config", "--get", "merge.mlreq.driver")
