"""Is the repository in a state where mlreq may write and commit? One preflight for all.

A commit made in the middle of someone's merge, rebase, cherry-pick, revert or bisect,
or on a detached HEAD (an iteration checked out), lands where the user does not expect
it or fails after the file was written. So every write path asks `require_committable`
first and refuses, touching nothing, with a line that says why and how to get out.
The repository itself is never changed here: no `--abort`, no switching branches.

Cheap: a handful of `stat`s in the git folder, plus (unless asked not to) the index's
unmerged entries (conflicts left without any of those states: a `git stash pop` that
stopped), read from the index file (`gitindex`) or by `git ls-files --unmerged`.
"""

from __future__ import annotations

from pathlib import Path

from mlreq.bank.record import Record, init_fields

from .errors import CommitError, ProjectError
from .gitrepo import GitRepo, git_dir


class RepositoryBusyError(ProjectError):
    """The repository is mid-operation or on no branch: nothing was written (exit 6)."""

    exit_code = 6
    title = "Repository busy"


class BlockingState(Record):
    """Why mlreq may not commit now, and what the user can run to get out of it."""

    __slots__ = ("what", "way_out")
    what: str
    way_out: str

    def __init__(self, what: str, way_out: str) -> None:
        init_fields(self, what, way_out)

    def message(self, repo_root: Path) -> str:
        return f"{self.what} in {repo_root}; {self.way_out}, then try again (mlreq changed nothing; reading still works)"


def blocking_state(repo_root: Path, *, unmerged: bool = True) -> BlockingState | None:
    """The reason the repository at `repo_root` must not be committed to now, or None.

    `unmerged=False` skips the one check that costs a git process (conflicts left without
    any operation in progress): autosaves use it, as `commit --only` takes the project's
    files alone and leaves such conflicts as they are; commands and the app's start
    check everything.
    """
    try:
        folder = git_dir(repo_root)
    except (OSError, UnicodeDecodeError):
        return None  # no readable git folder: git itself reports it on commit
    state = _operation_in_progress(folder)
    if state is not None:
        return state
    detached = _detached_head(folder)
    if detached is not None:
        return _detached_state(repo_root, folder, detached)
    paths = _unmerged_paths(repo_root) if unmerged else []
    if paths:
        shown = ", ".join(paths[:3]) + (" …" if len(paths) > 3 else "")
        return BlockingState(
            f"files with unresolved conflicts ({shown})",
            "resolve them and mark them resolved with `git add`",
        )
    return None


def require_committable(repo_root: Path, *, unmerged: bool = True) -> None:
    """Raise RepositoryBusyError (exit 6) when mlreq must not write or commit now."""
    state = blocking_state(repo_root, unmerged=unmerged)
    if state is not None:
        raise RepositoryBusyError(state.message(repo_root))


def merge_in_progress(repo_root: Path) -> bool:
    """Whether a `git merge` is unfinished (MERGE_HEAD exists)."""
    try:
        return (git_dir(repo_root) / "MERGE_HEAD").exists()
    except (OSError, UnicodeDecodeError):
        return False


# ----------------------------------------------------------------------------- states


def _operation_in_progress(folder: Path) -> BlockingState | None:
    if (folder / "rebase-merge").is_dir() or (folder / "rebase-apply").is_dir():
        if (folder / "rebase-apply" / "applying").exists():
            return BlockingState("a `git am` is in progress", "finish it (`git am --continue`) or undo it (`git am --abort`)")
        return BlockingState(
            "a rebase is in progress", "finish it (`git rebase --continue`) or undo it (`git rebase --abort`)"
        )
    if (folder / "MERGE_HEAD").exists():
        return BlockingState(
            "a merge is in progress", "finish it (resolve, `git add`, `git commit`) or undo it (`git merge --abort`)"
        )
    if (folder / "CHERRY_PICK_HEAD").exists() or _sequencer_verb(folder) == "pick":
        return BlockingState(
            "a cherry-pick is in progress", "finish it (`git cherry-pick --continue`) or undo it (`git cherry-pick --abort`)"
        )
    if (folder / "REVERT_HEAD").exists() or _sequencer_verb(folder) == "revert":
        return BlockingState("a revert is in progress", "finish it (`git revert --continue`) or undo it (`git revert --abort`)")
    if (folder / "BISECT_LOG").exists():
        return BlockingState("a bisect is in progress", "end it with `git bisect reset`")
    return None


def _sequencer_verb(folder: Path) -> str | None:
    """'pick' or 'revert' when a multi-commit cherry-pick or revert has stopped."""
    try:
        first = (folder / "sequencer" / "todo").read_text("utf-8", "replace").split(None, 1)
    except OSError:
        return None
    if not first:
        return None
    return {"p": "pick", "pick": "pick", "revert": "revert"}.get(first[0])


def _detached_head(folder: Path) -> str | None:
    """The commit HEAD points at when no branch is checked out, else None."""
    try:
        head = (folder / "HEAD").read_text("utf-8", "replace").strip()
    except OSError:
        return None
    if head.startswith("ref: ") or not head:
        return None
    return head


def _detached_state(repo_root: Path, folder: Path, commit: str) -> BlockingState:
    repo = GitRepo(repo_root)
    try:
        tags = repo.run("tag", "--points-at", "HEAD", check=False)[1].split()
        branch = _branch_to_return_to(repo, folder)
    except CommitError:
        tags, branch = [], None
    iteration = next((t for t in tags if "iteration/" in t), tags[0] if tags else None)
    at = f"{iteration} ({commit[:10]})" if iteration else commit[:10]
    way_out = f"go back with `git switch {branch}`" if branch else "make a branch here with `git switch -c NAME`"
    return BlockingState(f"no branch is checked out (detached HEAD at {at})", way_out)


def _branch_to_return_to(repo: GitRepo, folder: Path) -> str | None:
    """The branch the user left (from HEAD's reflog), else main/master, else the only one."""
    branches = repo.run("for-each-ref", "--format=%(refname:short)", "refs/heads/", check=False)[1].split()
    try:
        reflog = (folder / "logs" / "HEAD").read_text("utf-8", "replace").splitlines()
    except OSError:
        reflog = []
    for line in reversed(reflog):
        message = line.partition("\t")[2]
        if message.startswith("checkout: moving from "):
            left = message[len("checkout: moving from ") :].rpartition(" to ")[0]
            if left in branches:
                return left
    for name in ("main", "master"):
        if name in branches:
            return name
    return branches[0] if len(branches) == 1 else None


def _unmerged_paths(repo_root: Path) -> list[str]:
    from .gitindex import unmerged_paths

    listed = unmerged_paths(repo_root)  # the index file itself when it is the plain kind: no process
    if listed is not None:
        return listed
    try:
        status, out, _ = GitRepo(repo_root).run("ls-files", "--unmerged", "-z", check=False)
    except CommitError:  # git missing: the save keeps the text on disk and says so
        return []
    if status != 0:
        return []  # not our question to answer: the commit reports a broken repository
    paths = [record.partition("\t")[2] for record in out.split("\0") if "\t" in record]
    return list(dict.fromkeys(paths))
