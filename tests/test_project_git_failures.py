"""When git cannot commit, the answer is still saved on disk, the user is told why, and the
next save commits it. Signing and hooks never block an autosave; a lock file is never deleted."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from helpers import (
    VENV_BIN,
    assert_fsck_clean,
    assert_one_line_error,
    commit_count,
    console,
    git,
    read_answers,
    trailers_of,
)


def _executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


# --------------------------------------------------------------------------- git missing


def test_git_not_on_path_saves_on_disk_and_exits_5(project_dir):
    env = {**os.environ, "PATH": str(VENV_BIN)}  # python and mlreq, but no git
    before = commit_count(project_dir)

    outcome = console("answer", "data.data-source", "--text", "Saved without git", cwd=project_dir, env=env)

    line = assert_one_line_error(outcome, code=5)
    assert "git" in line and "PATH" in line
    assert read_answers(project_dir / "answers" / "data.toml")["data.data-source"]["answer"] == "Saved without git"
    assert commit_count(project_dir) == before

    # With git back, the next save commits the pending answer too.
    outcome = console("answer", "data.data-format", "--text", "Parquet", cwd=project_dir)
    assert outcome.code == 0, outcome
    assert sorted(trailers_of(project_dir)) == ["data.data-format", "data.data-source"]
    assert git(project_dir, "status", "--porcelain") == ""


def test_git_not_on_path_for_show_still_reads_the_answer(project_dir, cli):
    cli("answer", "data.data-source", "--text", "Readable without git", cwd=project_dir)
    env = {**os.environ, "PATH": str(VENV_BIN)}

    outcome = console("show", "data.data-source", cwd=project_dir, env=env)

    assert outcome.code == 0, outcome
    assert "Readable without git" in outcome.out


# --------------------------------------------------------------------------- no identity


def _authors(repo: Path) -> set[str]:
    return set(git(repo, "log", "--format=%an <%ae>%n%cn <%ce>").split("\n")) - {""}


def test_no_identity_saves_on_disk_tells_how_and_commits_with_the_next_save(cli, project_dir, no_identity, git_config):
    before = commit_count(project_dir)

    outcome = cli("answer", "scoping.end-user", "--text", "Fleet operators", cwd=project_dir)

    line = assert_one_line_error(outcome, code=5)
    assert "user.name" in line and "user.email" in line and "--author" in line
    assert read_answers(project_dir / "answers" / "scoping.toml")["scoping.end-user"]["answer"] == "Fleet operators"
    assert commit_count(project_dir) == before
    assert not any("root" in author for author in _authors(project_dir))

    git_config.write(identity=True)
    outcome = cli("answer", "scoping.resources", "--text", "Two people", cwd=project_dir)

    assert outcome.code == 0, outcome
    assert commit_count(project_dir) == before + 1
    assert sorted(trailers_of(project_dir)) == ["scoping.end-user", "scoping.resources"]
    assert git(project_dir, "log", "-1", "--format=%s").strip().startswith("Update 2 answers")
    assert git(project_dir, "status", "--porcelain") == ""
    assert not any("root" in author for author in _authors(project_dir))


def test_no_identity_console_script_is_one_line(project_dir, no_identity):
    outcome = console("answer", "scoping.end-user", "--text", "Fleet operators", cwd=project_dir)

    line = assert_one_line_error(outcome, code=5)
    assert "--author" in line
    assert read_answers(project_dir / "answers" / "scoping.toml")["scoping.end-user"]["answer"] == "Fleet operators"


def test_no_identity_but_author_flag_commits(cli, project_dir, no_identity):
    outcome = cli("--author", "Ana Lind <ana@example.com>", "answer", "scoping.end-user", "--text", "x", cwd=project_dir)

    assert outcome.code == 0, outcome
    assert git(project_dir, "log", "-1", "--format=%an <%ae>").strip() == "Ana Lind <ana@example.com>"


def test_new_without_identity_creates_files_and_commits_them_later(cli, tmp_path, no_identity, git_config):
    target = tmp_path / "proj"

    outcome = cli("new", target, "--name", "No one")

    assert outcome.code == 5
    assert "--author" in outcome.err
    assert (target / "form.toml").is_file() and (target / "answers" / "data.toml").is_file()
    assert git(target, "rev-list", "--all") == ""  # no commit, so none by root@host

    git_config.write(identity=True)
    outcome = cli("answer", "data.data-source", "--text", "Telemetry", cwd=target)

    assert outcome.code == 0, outcome
    assert git(target, "status", "--porcelain", "--untracked-files=all") == ""
    tracked = git(target, "ls-files").split()
    assert {"mlreq.toml", "form.toml", ".gitignore", "answers/data.toml", "answers/scoping.toml"} <= set(tracked)
    assert commit_count(target) == 1
    assert git(target, "log", "-1", "--format=%s").strip() == 'Create requirements project "No one"'
    assert trailers_of(target) == ["data.data-source"]
    assert not any("root" in author for author in _authors(target))


# --------------------------------------------------------------------------- signing and hooks


def test_gpgsign_with_a_hanging_gpg_program_does_not_block_the_save(project_dir, git_config, tmp_path):
    marker = tmp_path / "gpg-was-called"
    gpg = _executable(tmp_path / "slow-gpg", f"#!/bin/sh\ntouch '{marker}'\nsleep 60\n")
    git_config.add(f"[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = {gpg}\n")

    # A hang would take the 60 s of the gpg program (or git's 30 s timeout): the
    # subprocess timeout turns that into a failure instead of a stuck test run.
    outcome = console("answer", "data.data-source", "--text", "Signed? No.", cwd=project_dir, timeout=25)

    assert outcome.code == 0, outcome
    assert not marker.exists()
    assert trailers_of(project_dir) == ["data.data-source"]
    assert "gpgsig" not in git(project_dir, "cat-file", "-p", "HEAD")


def test_failing_pre_commit_and_commit_msg_hooks_do_not_block_the_save(cli, project_dir):
    hooks = project_dir / ".git" / "hooks"
    _executable(hooks / "pre-commit", "#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    _executable(hooks / "commit-msg", "#!/bin/sh\necho 'bad message' >&2\nexit 1\n")
    # The hooks are real: a plain git commit is refused.
    (project_dir / "other.txt").write_text("x\n")
    git(project_dir, "add", "other.txt")
    assert "lint failed" in console_git_commit(project_dir)
    git(project_dir, "reset", "-q", "other.txt")

    outcome = cli("answer", "data.data-source", "--text", "Hooks skipped", cwd=project_dir)

    assert outcome.code == 0, outcome
    assert trailers_of(project_dir) == ["data.data-source"]
    assert tomllib.loads(git(project_dir, "show", "HEAD:answers/data.toml"))["data.data-source"]["answer"] == "Hooks skipped"


def console_git_commit(repo: Path) -> str:
    import subprocess

    result = subprocess.run(["git", "commit", "-m", "plain"], cwd=repo, capture_output=True, text=True)
    assert result.returncode != 0
    return result.stderr


def test_failing_hook_in_surrounding_repository(cli, tmp_path):
    repo = tmp_path / "code"
    repo.mkdir()
    git(repo, "init", "-q")
    _executable(repo / ".git" / "hooks" / "pre-commit", "#!/bin/sh\nexit 1\n")
    assert cli("new", repo / "req").code == 0

    outcome = cli("answer", "data.data-source", "--text", "x", cwd=repo / "req")

    assert outcome.code == 0, outcome
    assert int(git(repo, "rev-list", "--count", "HEAD")) == 2


# --------------------------------------------------------------------------- index.lock


def test_stale_index_lock_reports_keeps_lock_and_answer_then_commits_later(project_dir):
    lock = project_dir / ".git" / "index.lock"
    lock.write_bytes(b"")
    before = commit_count(project_dir)

    # The wait for the lock is brief; a subprocess timeout guards against a hang.
    outcome = console("answer", "modeling.baseline", "--text", "Kept while locked", cwd=project_dir, timeout=25)

    line = assert_one_line_error(outcome, code=5)
    assert "index.lock" in line
    assert lock.exists()
    assert read_answers(project_dir / "answers" / "modeling.toml")["modeling.baseline"]["answer"] == "Kept while locked"
    assert commit_count(project_dir) == before

    lock.unlink()  # by hand, as the message says
    outcome = console("answer", "modeling.audit", "--text", "Yearly", cwd=project_dir)

    assert outcome.code == 0, outcome
    assert commit_count(project_dir) == before + 1
    assert sorted(trailers_of(project_dir)) == ["modeling.audit", "modeling.baseline"]
    assert git(project_dir, "status", "--porcelain") == ""
    assert_fsck_clean(project_dir)


def test_check_warns_about_index_lock(cli, project_dir):
    lock = project_dir / ".git" / "index.lock"
    lock.write_bytes(b"")

    outcome = cli("check", project_dir)

    assert "index.lock" in outcome.out
    assert lock.exists()
