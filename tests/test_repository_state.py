"""Issue 10 items 5 and 7: mlreq never writes or commits into someone's unfinished merge,
rebase, cherry-pick, revert or bisect, nor onto a detached HEAD; it says why, how to get
out, and leaves every byte of the user's work as it was. Read commands keep working.

Real repositories in tmp_path: the project lives in `reqs/` of a code repository, and the
states are made with plain git, as a developer would.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import assert_one_line_error, commit_count, files_in_commit, git

from mlreq.projects import Project, create_project
from mlreq.projects.repostate import RepositoryBusyError

QUESTION = "data.data-source"
ANSWERS = Path("reqs/answers/data.toml")
CODE = Path("src/train.py")
HAND_RESOLVED = b"print('train on both datasets')  # resolved by hand, not committed yet\n"


@pytest.fixture
def mono(tmp_path: Path) -> Path:
    """A code repository with the requirements project in `reqs/` and one answer saved."""
    repo = tmp_path / "mono"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "--quiet")
    (repo / CODE).write_text("print('train')\n")
    git(repo, "add", str(CODE))
    git(repo, "commit", "--quiet", "-m", "Training code")
    _, result = create_project(repo / "reqs", name="Charging stations")
    assert result.ok
    assert Project.open(repo / "reqs").save(QUESTION, answer="Charger telemetry").ok
    return repo


def _code_conflict(repo: Path) -> None:
    """Branch `other` and `main` both change the training code differently."""
    git(repo, "switch", "--quiet", "-c", "other")
    (repo / CODE).write_text("print('train on dataset B')\n")
    git(repo, "commit", "--quiet", "-am", "Dataset B")
    git(repo, "switch", "--quiet", "main")
    (repo / CODE).write_text("print('train on dataset A')\n")
    git(repo, "commit", "--quiet", "-am", "Dataset A")


def _merging(repo: Path) -> str:
    _code_conflict(repo)
    git(repo, "merge", "--quiet", "other", check=False)
    (repo / CODE).write_bytes(HAND_RESOLVED)  # the user's own resolution, in progress
    return "a merge is in progress"


def _rebasing(repo: Path) -> str:
    _code_conflict(repo)
    git(repo, "switch", "--quiet", "other")
    git(repo, "rebase", "--quiet", "main", check=False)
    (repo / CODE).write_bytes(HAND_RESOLVED)
    return "a rebase is in progress"


def _cherry_picking(repo: Path) -> str:
    _code_conflict(repo)
    git(repo, "cherry-pick", "other", check=False)
    (repo / CODE).write_bytes(HAND_RESOLVED)
    return "a cherry-pick is in progress"


def _reverting(repo: Path) -> str:
    (repo / CODE).write_text("print('train v2')\n")
    git(repo, "commit", "--quiet", "-am", "v2")
    (repo / CODE).write_text("print('train v3')\n")
    git(repo, "commit", "--quiet", "-am", "v3")
    git(repo, "revert", "--no-edit", "HEAD~1", check=False)
    (repo / CODE).write_bytes(HAND_RESOLVED)
    return "a revert is in progress"


def _bisecting(repo: Path) -> str:
    git(repo, "bisect", "start")
    git(repo, "bisect", "bad", "HEAD")
    git(repo, "bisect", "good", "HEAD~2")
    return "a bisect is in progress"


def _stash_pop_conflict(repo: Path) -> str:
    (repo / CODE).write_text("print('local tweak')\n")
    git(repo, "stash", "--quiet")
    (repo / CODE).write_text("print('committed tweak')\n")
    git(repo, "commit", "--quiet", "-am", "Committed tweak")
    git(repo, "stash", "pop", "--quiet", check=False)
    (repo / CODE).write_bytes(HAND_RESOLVED)
    return "files with unresolved conflicts (src/train.py)"


def _detached(repo: Path) -> str:
    git(repo, "switch", "--quiet", "--detach", "HEAD~1")
    return "no branch is checked out (detached HEAD at "


STATES: dict[str, Callable[[Path], str]] = {
    "merge": _merging,
    "rebase": _rebasing,
    "cherry-pick": _cherry_picking,
    "revert": _reverting,
    "bisect": _bisecting,
    "stash-pop": _stash_pop_conflict,
    "detached": _detached,
}


def _snapshot(repo: Path) -> dict[str, object]:
    """Everything of the user's that mlreq must leave alone."""
    folder = repo / ".git"
    return {
        "HEAD": (folder / "HEAD").read_text(),
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        "index": git(repo, "ls-files", "--stage"),
        "code": (repo / CODE).read_bytes(),
        "answers": (repo / ANSWERS).read_bytes(),
        "state files": sorted(
            name for name in ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "BISECT_LOG", "rebase-merge", "rebase-apply")
            if (folder / name).exists()
        ),
        "config": (folder / "config").read_text(),
        "stash": git(repo, "stash", "list"),
    }


@pytest.mark.parametrize("state", STATES)
def test_answer_in_a_busy_repository_refuses_and_changes_nothing(cli, mono: Path, state: str):
    what = STATES[state](mono)
    before = _snapshot(mono)

    outcome = cli("answer", QUESTION, "--text", "Typed during the " + state, cwd=mono / "reqs")

    line = assert_one_line_error(outcome, code=6)
    assert what in line, line
    assert str(mono) in line and "then try again" in line and "`git " in line
    assert _snapshot(mono) == before  # answers file, code, index, refs, state files: all as they were


def test_the_way_out_of_a_detached_head_names_the_branch_left(cli, mono: Path):
    assert cli("iteration", "new", "Kick-off", cwd=mono / "reqs").code == 0
    tag = git(mono, "tag", "--list").split()[0]
    git(mono, "switch", "--quiet", "--detach", tag)  # looking at an iteration, as a user would

    outcome = cli("answer", QUESTION, "--text", "Edited on an old iteration", cwd=mono / "reqs")

    line = assert_one_line_error(outcome, code=6)
    assert f"detached HEAD at {tag}" in line and "`git switch main`" in line
    git(mono, "switch", "--quiet", "main")
    assert cli("answer", QUESTION, "--text", "Back on main", cwd=mono / "reqs").code == 0
    assert Project.open(mono / "reqs").entry(QUESTION).answer == "Back on main"


def test_sync_keeps_the_users_unfinished_merge(cli, mono: Path, tmp_path: Path):
    """Item 5: sync used to run `git merge --abort` on the user's merge and lose their resolution."""
    hub = tmp_path / "hub.git"
    git(tmp_path, "init", "--quiet", "--bare", str(hub))
    assert cli("remote", "set", str(hub), cwd=mono / "reqs").code == 0
    assert cli("sync", "--push", cwd=mono / "reqs").code == 0
    teammate = tmp_path / "teammate"
    git(tmp_path, "clone", "--quiet", str(hub), str(teammate))
    assert cli("answer", "data.data-format", "--text", "Parquet", cwd=teammate / "reqs").code == 0
    assert cli("sync", "--push", cwd=teammate / "reqs").code == 0
    _merging(mono)
    git(mono, "add", str(CODE))  # resolved and staged: one `git commit` from done
    before = _snapshot(mono)

    outcome = cli("sync", cwd=mono / "reqs")

    line = assert_one_line_error(outcome, code=6)
    assert "a merge is in progress" in line and "git commit" in line and "git merge --abort" in line
    assert _snapshot(mono) == before  # nothing fetched, merged, aborted or committed
    assert (mono / ".git" / "MERGE_HEAD").exists() and (mono / CODE).read_bytes() == HAND_RESOLVED
    # The user finishes their merge; sync then works as ever.
    git(mono, "commit", "--quiet", "--no-edit")
    assert cli("sync", cwd=mono / "reqs").code == 0
    assert Project.open(mono / "reqs").entry("data.data-format").answer == "Parquet"
    assert (mono / CODE).read_bytes() == HAND_RESOLVED


@pytest.mark.parametrize(
    "argv",
    [
        ("iteration", "new", "Mid-merge milestone"),
        ("form", "reword", QUESTION, "--text", "Where does the data come from, really?"),
        ("remote", "set", "/nonexistent/hub.git"),
        ("sync",),
        ("answer", QUESTION, "--status", "agreed"),
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_every_write_command_refuses_during_a_merge(cli, mono: Path, argv: tuple[str, ...]):
    _merging(mono)
    before = _snapshot(mono)
    form_before = (mono / "reqs" / "form.toml").read_bytes()

    outcome = cli(*argv, cwd=mono / "reqs")

    assert "a merge is in progress" in assert_one_line_error(outcome, code=6)
    assert _snapshot(mono) == before and (mono / "reqs" / "form.toml").read_bytes() == form_before


def test_new_project_inside_a_busy_repository_is_refused_before_creating_anything(cli, mono: Path):
    _merging(mono)
    before = _snapshot(mono)

    outcome = cli("new", mono / "more-reqs", "--name", "More")

    assert "a merge is in progress" in assert_one_line_error(outcome, code=6)
    assert not (mono / "more-reqs").exists() and _snapshot(mono) == before


@pytest.mark.parametrize(
    "argv",
    [("status",), ("show", QUESTION), ("log",), ("diff",), ("iteration", "list"), ("export", "--format", "md"), ("check",)],
    ids=lambda argv: argv[0],
)
def test_read_commands_work_on_a_detached_head(cli, mono: Path, argv: tuple[str, ...]):
    _detached(mono)
    before = _snapshot(mono)

    outcome = cli(*argv, cwd=mono / "reqs")

    assert outcome.code in (0, 1) and "detached" not in outcome.err, outcome  # check may report findings (1)
    assert _snapshot(mono) == before


def test_check_says_the_repository_is_busy_and_the_way_out(cli, mono: Path):
    _detached(mono)

    outcome = cli("check", cwd=mono / "reqs")

    assert outcome.code == 0, outcome  # a warning, not an error: the files are sound
    assert "detached HEAD" in outcome.out and "mlreq saves nothing until then" in outcome.out
    assert "`git switch main`" in outcome.out


def test_project_save_refuses_before_writing(mono: Path):
    """The API the app's save queue uses: the file is not written, the text stays with the caller."""
    _merging(mono)
    project = Project.open(mono / "reqs")
    before = _snapshot(mono)
    count = commit_count(mono)

    with pytest.raises(RepositoryBusyError, match="a merge is in progress"):
        project.save(QUESTION, answer="Typed while merging")
    with pytest.raises(RepositoryBusyError):
        project.commit_pending()

    assert _snapshot(mono) == before and commit_count(mono) == count


def test_an_autosave_amid_unresolved_conflicts_commits_only_the_answer(mono: Path):
    """Autosaves skip the one preflight check that costs a git process (unmerged paths
    without an operation in progress): `commit --only` takes the answer file alone and
    leaves the user's conflicts exactly as they were."""
    _stash_pop_conflict(mono)
    project = Project.open(mono / "reqs")
    unmerged = git(mono, "ls-files", "--unmerged")
    count = commit_count(mono)

    result = project.save(QUESTION, answer="Typed amid conflicts")

    assert result.ok and result.commit
    assert files_in_commit(mono) == [str(ANSWERS)] and commit_count(mono) == count + 1
    assert (mono / CODE).read_bytes() == HAND_RESOLVED
    assert git(mono, "ls-files", "--unmerged") == unmerged and "src/train.py" in unmerged
