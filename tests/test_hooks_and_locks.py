"""Issue 10 item 9: hung hooks, git's lock files and mlreq's own project lock.

Hooks are real executable scripts in .git/hooks. `--no-verify` already skips pre-commit
and commit-msg, so the hooks that can still hang a save are prepare-commit-msg (before the
commit, holding index.lock) and post-commit (after it). The git timeout is shortened
through MLREQ_GIT_TIMEOUT, the wait for the project lock through MLREQ_LOCK_WAIT.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import assert_one_line_error, commit_count, git, read_answers, trailers_of

from mlreq.projects.gitrepo import GitRepo

QUESTION = "data.data-source"
OTHER = "data.data-format"


def _hook(repo: Path, name: str, body: str) -> Path:
    path = repo / ".git" / "hooks" / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _alive(pid: int) -> bool:
    """Running or stopped; a zombie waiting to be reaped is dead."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _hook_pids(pid_file: Path) -> list[int]:
    return [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []


@pytest.fixture
def short_git_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLREQ_GIT_TIMEOUT", "1")
    monkeypatch.setattr("mlreq.projects.gitrepo.KILL_GRACE", 0.5, raising=False)


# --------------------------------------------------------------------------- hung hooks


def test_a_hung_hook_is_stopped_with_its_children_and_leaves_no_index_lock(cli, project_dir, tmp_path, short_git_timeout):
    pids = tmp_path / "hook-pids"
    hook = _hook(project_dir, "prepare-commit-msg", f'echo $$ >> "{pids}"\nexec sleep 1000\n')
    before = commit_count(project_dir)

    outcome = cli("answer", QUESTION, "--text", "Typed while a hook hangs", cwd=project_dir)

    line = assert_one_line_error(outcome, code=5)
    assert "did not finish within 1s" in line and "saved on disk" in line, line
    assert read_answers(project_dir / "answers" / "data.toml")[QUESTION]["answer"] == "Typed while a hook hangs"
    assert commit_count(project_dir) == before
    assert not (project_dir / ".git" / "index.lock").exists()  # every later save would fail on it
    assert _hook_pids(pids) and not any(_alive(pid) for pid in _hook_pids(pids))

    hook.unlink()  # the user fixes the hook: the next save commits both answers
    assert cli("answer", OTHER, "--text", "Parquet", cwd=project_dir).code == 0
    assert sorted(trailers_of(project_dir)) == sorted([QUESTION, OTHER])
    assert git(project_dir, "status", "--porcelain") == ""


def test_a_commit_whose_post_commit_hook_hangs_is_reported_committed(cli, project_dir, tmp_path, short_git_timeout):
    pids = tmp_path / "hook-pids"
    _hook(project_dir, "post-commit", f'echo $$ >> "{pids}"\nexec sleep 1000\n')
    before = commit_count(project_dir)

    outcome = cli("answer", QUESTION, "--text", "Committed before the hook", cwd=project_dir)

    assert outcome.code == 0 and outcome.err == "", outcome
    assert outcome.out.startswith("committed ") and QUESTION in outcome.out
    assert commit_count(project_dir) == before + 1 and trailers_of(project_dir) == [QUESTION]
    assert git(project_dir, "status", "--porcelain") == ""
    assert _hook_pids(pids) and not any(_alive(pid) for pid in _hook_pids(pids))


# --------------------------------------------------------------------------- git's lock files


def _lock_maker(tmp_path: Path) -> Path:
    """A git alias script that takes index.lock the way a git would, then ignores SIGTERM and
    hangs: what a git stuck past its timeout leaves when it has to be killed."""
    script = tmp_path / "hang-with-lock.sh"
    script.write_text('#!/bin/sh\n[ -e "$1" ] || : > "$1"\ntrap "" TERM\nsleep 1000\n')
    script.chmod(0o755)
    return script


def test_a_killed_gits_own_index_lock_is_removed(project_dir, tmp_path, short_git_timeout):
    lock = project_dir / ".git" / "index.lock"

    status, _, err = GitRepo(project_dir).run("-c", f"alias.hang=!{_lock_maker(tmp_path)}", "hang", str(lock), check=False)

    assert status != 0 and "timed out after 1s" in err
    assert not lock.exists()


def test_someone_elses_index_lock_is_never_removed(project_dir, tmp_path, short_git_timeout):
    lock = project_dir / ".git" / "index.lock"
    lock.write_bytes(b"another git's index")  # there before our command started

    status, _, _ = GitRepo(project_dir).run("-c", f"alias.hang=!{_lock_maker(tmp_path)}", "hang", str(lock), check=False)

    assert status != 0
    assert lock.read_bytes() == b"another git's index"


def test_a_lock_another_process_holds_open_is_never_removed(project_dir, tmp_path, short_git_timeout):
    """Made while our command ran, but by someone else who still has it open."""
    lock = project_dir / ".git" / "index.lock"
    script = tmp_path / "hang.sh"
    script.write_text("#!/bin/sh\nsleep 1000\n")
    script.chmod(0o755)
    holder = subprocess.Popen(
        ["sh", "-c", f'sleep 0.3; exec 3>"{lock}"; echo held; exec sleep 60'], stdout=subprocess.PIPE, text=True
    )
    try:
        GitRepo(project_dir).run("-c", f"alias.hang=!{script}", "hang", check=False)
        assert holder.stdout.readline().strip() == "held"
        assert lock.exists()
    finally:
        holder.kill()
        holder.wait()


# --------------------------------------------------------------------------- .mlreq/lock


@pytest.fixture
def lock_holder(project_dir: Path) -> Iterator[subprocess.Popen]:
    """Another process holding the project's lock, as a hung or suspended mlreq would."""
    (project_dir / ".mlreq").mkdir(exist_ok=True)
    code = (
        "import fcntl, sys, time\n"
        "f = open(sys.argv[1], 'a+b'); fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('held', flush=True); sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(project_dir / ".mlreq" / "lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    yield holder
    holder.kill()
    holder.wait()


def test_a_held_project_lock_is_waited_for_with_a_message_then_fails_clearly(cli, project_dir, lock_holder, monkeypatch):
    monkeypatch.setenv("MLREQ_LOCK_WAIT", "1")
    lock = project_dir / ".mlreq" / "lock"
    data = (project_dir / "answers" / "data.toml").read_bytes()
    before = commit_count(project_dir)

    outcome = cli("answer", QUESTION, "--text", "Typed while another mlreq hangs", cwd=project_dir)

    assert outcome.code == 6, outcome
    waiting, failed = outcome.err_lines  # one line saying we wait, one saying we gave up
    assert waiting == f"mlreq: waiting for another mlreq (pid {lock_holder.pid}) to finish with {lock} ..."
    assert failed.startswith(f"mlreq: another mlreq (pid {lock_holder.pid}) has held {lock} for ")
    assert "nothing was saved" in failed
    assert (project_dir / "answers" / "data.toml").read_bytes() == data and commit_count(project_dir) == before


def test_a_project_lock_released_while_waiting_lets_the_save_through(cli, project_dir, lock_holder, monkeypatch):
    monkeypatch.setenv("MLREQ_LOCK_WAIT", "30")
    releaser = subprocess.Popen(["sh", "-c", f"sleep 1; kill {lock_holder.pid}"])

    outcome = cli("answer", QUESTION, "--text", "Saved once the other mlreq finished", cwd=project_dir)

    releaser.wait()
    assert outcome.code == 0, outcome
    assert "waiting for another mlreq" in outcome.err
    assert trailers_of(project_dir) == [QUESTION]


# --------------------------------------------------------------------------- a group-shared project


GROUP = "mlreqshare"
USERS = ("mlreq-alice", "mlreq-bob")


@pytest.fixture(scope="module")
def two_users() -> Iterator[tuple[str, str]]:
    """Two real Unix users in one group; needs root (useradd, runuser)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create a second Unix user (useradd)")
    if not (shutil.which("useradd") and shutil.which("groupadd") and shutil.which("runuser")):
        pytest.skip("useradd/groupadd/runuser not available")
    made: list[list[str]] = []
    if subprocess.run(["getent", "group", GROUP], capture_output=True).returncode != 0:
        subprocess.run(["groupadd", GROUP], check=True)
        made.append(["groupdel", GROUP])
    for user in USERS:
        if subprocess.run(["id", user], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--no-create-home", "--gid", GROUP, "--shell", "/bin/sh", user], check=True)
            made.insert(0, ["userdel", user])
    yield USERS
    for command in made:
        subprocess.run(command, capture_output=True)


@pytest.fixture
def shared_dir(two_users) -> Iterator[Path]:
    """A folder both users can work in (pytest's own tmp folders are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="mlreq-shared-", dir="/tmp"))
    shutil.chown(folder, group=GROUP)
    folder.chmod(0o2775)
    config = folder / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n[safe]\n\tdirectory = *\n")
    config.chmod(0o644)
    _install_launcher(folder, two_users[0])
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _install_launcher(folder: Path, user: str) -> None:
    """`mlreq` for the test users: this venv's, or, when its interpreter sits where they may
    not enter (/root/.pyenv), the system's Python of the same version on this venv's packages."""
    python = sys.executable
    if subprocess.run(["runuser", "-u", user, "--", python, "-c", "pass"], capture_output=True).returncode != 0:
        python = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
        if subprocess.run(["runuser", "-u", user, "--", python, "-c", "pass"], capture_output=True).returncode != 0:
            pytest.skip(f"no Python {sys.version_info.major}.{sys.version_info.minor} the test users may run")
    site = sysconfig.get_paths()["purelib"]
    launcher = folder / "bin" / "mlreq"
    launcher.parent.mkdir()
    launcher.write_text(
        "#!/bin/sh\n"
        f"exec {python} -c 'import site, sys; site.addsitedir(sys.argv.pop(1)); "
        f"from mlreq.tui.cli import main; main(sys.argv[1:])' {site} \"$@\"\n"
    )
    launcher.parent.chmod(0o755)
    launcher.chmod(0o755)


def _as(user: str, shared: Path, *argv: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command as `user` with umask 022 (the usual one: files 0644 unless told otherwise)."""
    env = {
        "PATH": f"{shared / 'bin'}:/usr/bin:/bin", "HOME": str(shared), "LC_ALL": "C.UTF-8",
        "GIT_CONFIG_GLOBAL": str(shared / "gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
        "MLREQ_AUTHOR": f"{user} <{user}@example.com>", "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = ["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
               "sh", "-c", 'umask 022; exec "$@"', "sh", *map(str, argv)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def _shared_project(shared: Path, alice: str) -> Path:
    """Alice makes a group-shared repository and the project in it; the admin opens the
    working tree to the group (g+w, setgid folders), as for any shared checkout."""
    repo = shared / "repo"
    assert _as(alice, shared, "git", "init", "--quiet", "--shared=group", repo, cwd=shared).returncode == 0
    made = _as(alice, shared, "mlreq", "new", repo / "reqs", "--name", "Shared", cwd=shared)
    assert made.returncode == 0, made.stderr
    for path in [repo / "reqs", *(repo / "reqs").rglob("*")]:
        if ".git" not in path.parts:
            path.chmod(path.stat().st_mode | (0o2070 if path.is_dir() else 0o060))
    return repo / "reqs"


def test_the_first_users_project_lock_does_not_lock_out_the_group(shared_dir, two_users):
    alice, bob = two_users
    project = _shared_project(shared_dir, alice)

    first = _as(alice, shared_dir, "mlreq", "answer", QUESTION, "--text", "Alice's answer", cwd=project)
    second = _as(bob, shared_dir, "mlreq", "answer", OTHER, "--text", "Bob's answer", cwd=project)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    lock = project / ".mlreq" / "lock"
    assert stat.S_IMODE(lock.stat().st_mode) & 0o060 == 0o060  # group read-write, like git's own files
    answers = read_answers(project / "answers" / "data.toml")
    assert answers[QUESTION]["answer"] == "Alice's answer" and answers[OTHER]["answer"] == "Bob's answer"
    assert git(project, "-c", "safe.directory=*", "log", "-2", "--format=%an").split() == [bob, alice]


def test_a_project_lock_without_group_write_still_works_for_the_group(shared_dir, two_users):
    """A lock made 0644 by an earlier mlreq: flock needs no write access, so Bob is not locked out."""
    alice, bob = two_users
    project = _shared_project(shared_dir, alice)
    made = _as(alice, shared_dir, "sh", "-c", "mkdir -p .mlreq && chmod 2775 .mlreq && : > .mlreq/lock", cwd=project)
    assert made.returncode == 0 and stat.S_IMODE((project / ".mlreq" / "lock").stat().st_mode) == 0o644

    second = _as(bob, shared_dir, "mlreq", "answer", OTHER, "--text", "Bob's answer", cwd=project)

    assert second.returncode == 0, second.stderr
    assert read_answers(project / "answers" / "data.toml")[OTHER]["answer"] == "Bob's answer"


def test_a_project_lock_the_group_cannot_use_is_named_in_the_message(shared_dir, two_users):
    alice, bob = two_users
    project = _shared_project(shared_dir, alice)
    made = _as(alice, shared_dir, "sh", "-c", "mkdir -p .mlreq && chmod 0700 .mlreq", cwd=project)
    assert made.returncode == 0
    data = (project / "answers" / "data.toml").read_bytes()

    second = _as(bob, shared_dir, "mlreq", "answer", OTHER, "--text", "Bob's answer", cwd=project)

    assert second.returncode != 0 and "Traceback" not in second.stderr
    assert len(second.stderr.splitlines()) == 1, second.stderr
    line = second.stderr.strip()
    lock_dir = project / ".mlreq"
    assert f"cannot write {lock_dir / 'lock'}" in line and f"{lock_dir} is owned by {alice}" in line, line
    assert (project / "answers" / "data.toml").read_bytes() == data

