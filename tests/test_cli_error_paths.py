"""Error paths of the command line: one line, the right exit code, nothing half-made left behind."""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest

from helpers import MLREQ_SCRIPT, Outcome, assert_one_line_error, commit_count, console, git

QID = "data.ownership"


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("argv", [[b"new", b"bad\xffname"], [b"new", b"good", b"--name", b"caf\xe9"]])
def test_new_with_a_name_that_is_not_utf8_creates_nothing(tmp_path, argv):
    outcome = console(*[os.fsdecode(a) for a in argv], cwd=tmp_path)

    line = assert_one_line_error(outcome, code=2)
    assert "not valid UTF-8" in line
    assert list(tmp_path.iterdir()) == []


def test_new_failing_half_way_leaves_the_folder_as_it_was(cli, tmp_path):
    folder = tmp_path / "existing"
    (folder / ".gitattributes").mkdir(parents=True)  # cannot be replaced by a file: creating fails late
    (folder / "notes.txt").write_text("mine\n")
    before = _listing(folder)

    outcome = cli("new", folder)

    line = assert_one_line_error(outcome, code=1)
    assert ".gitattributes" in line or "cannot create" in line
    assert _listing(folder) == before  # no .git, mlreq.toml, form.toml, answers/ left


def test_clone_of_something_that_is_not_a_project_leaves_no_folder(cli, tmp_path):
    source = tmp_path / "plain"
    source.mkdir()
    git(source, "init", "-q")
    (source / "README").write_text("not a project\n")
    git(source, "add", "README")
    git(source, "commit", "-q", "-m", "plain")

    outcome = cli("clone", source, tmp_path / "copy", cwd=tmp_path)

    line = assert_one_line_error(outcome, code=3)
    assert "not an mlreq project" in line
    assert not (tmp_path / "copy").exists()


def test_clone_into_an_empty_folder_empties_it_again_on_failure(cli, tmp_path):
    source = tmp_path / "plain"
    source.mkdir()
    git(source, "init", "-q")
    git(source, "commit", "-q", "--allow-empty", "-m", "empty")
    (tmp_path / "copy").mkdir()

    assert_one_line_error(cli("clone", source, tmp_path / "copy", cwd=tmp_path), code=3)

    assert (tmp_path / "copy").is_dir() and list((tmp_path / "copy").iterdir()) == []


def _limit_memory() -> None:  # a regression then fails as MemoryError, not by exhausting the machine
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_answer_from_dev_zero_is_one_line_not_all_memory(project_dir):
    result = subprocess.run(
        [str(MLREQ_SCRIPT), "answer", QID, "--file", "/dev/zero"],
        cwd=project_dir, capture_output=True, timeout=60, preexec_fn=_limit_memory,
    )
    outcome = Outcome(result.returncode, result.stdout.decode(), result.stderr.decode("utf-8", "replace"))

    line = assert_one_line_error(outcome, code=2)
    assert "/dev/zero" in line and "MiB" in line
    assert commit_count(project_dir) == 1


def test_answer_from_a_folder_is_one_line(cli, project_dir):
    line = assert_one_line_error(cli("answer", QID, "--file", project_dir, cwd=project_dir), code=2)
    assert "is a folder" in line


def test_answer_from_stdin_with_project_option(project_dir, tmp_path):
    outcome = console("answer", QID, "--project", str(project_dir), "-", cwd=tmp_path, stdin=b"From a pipe\n")

    assert outcome.code == 0, outcome
    shown = console("show", QID, "--project", str(project_dir), cwd=tmp_path)
    assert "From a pipe" in shown.out


def test_check_reports_an_answer_file_that_is_a_folder(cli, project_dir):
    path = project_dir / "answers" / "data.toml"
    path.unlink()
    path.mkdir()

    outcome = cli("check", cwd=project_dir)

    assert outcome.code == 1 and "Traceback" not in outcome.err
    assert "answers/data.toml: error: is a folder" in outcome.out


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the repository to another user")
@pytest.mark.parametrize("command", [("diff",), ("iteration", "list")])
def test_read_commands_that_git_refuses_exit_1_not_5(project_dir, command):
    # Exit 5 means "saved on disk, not committed": a read saved nothing.
    for path in [project_dir, *project_dir.rglob("*")]:
        os.lchown(path, 4321, 4321)  # git refuses a repository owned by someone else

    outcome = console(*command, cwd=project_dir)

    assert outcome.code == 1, outcome
    assert "Traceback" not in outcome.err
    assert "dubious ownership" in outcome.err_lines[-1]


def test_answer_from_a_named_pipe_the_user_chose_is_read(project_dir, tmp_path):
    # Unlike project files, --file is the user's own choice: `--file <(cmd)` must keep working.
    import threading

    pipe = tmp_path / "answer.pipe"
    os.mkfifo(pipe)
    writer = threading.Thread(target=lambda: pipe.write_bytes(b"Written into a pipe\n"), daemon=True)
    writer.start()

    outcome = console("answer", QID, "--file", str(pipe), cwd=project_dir)

    writer.join(10)
    assert outcome.code == 0, outcome
    assert "Written into a pipe" in console("show", QID, cwd=project_dir).out
