"""Sharing a project through an ordinary git remote: fetch, merge by question, push.

Git is the distributed engine; mlreq adds only what keeps the non-negotiables: remotes
limited to safe transports with no credentials in the URL, git that never prompts (the
TUI owns the terminal), a merge driver so answers merge by question whether the user
runs `mlreq sync` or a plain `git pull`, and a push whose rejection is reported.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from mlreq.bank.errors import MlreqError

from .atomic import atomic_write
from .commitmessage import Change
from .errors import InvalidInputError, ProjectError, ProjectFileError
from .gitrepo import GitRepo, Identity
from .formmerge import form_conflicts
from .layout import FORM_FILE, LAST_SYNC_FILE
from .safefile import read_project_file, read_project_toml, writable_path
from .mergedriver import ATTRIBUTES, configure_merge_driver
from .reqmerge import MergedRequirements, merged_requirements, requirements_or_none
from .requirements import REQUIREMENTS_FILE, flag_requirements, with_requirement_flags
from .project import Project, no_identity_error
from .repostate import merge_in_progress, require_committable

NETWORK_TIMEOUT = 120.0
REMOTE = "origin"
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$")
_NO_PROMPT = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=15",
    "GCM_INTERACTIVE": "never",
}
_SECRET_IN_QUERY = re.compile(r"[?&;][^=&;#]*(token|key|secret|pass|auth|sig|credential)[^=&;#]*=", re.IGNORECASE)
_CREDENTIALS_ADVICE = ("remove them and use a credential helper (git config --global credential.helper "
                       "store|cache|libsecret) or an SSH key")
_REJECTED_TAG = re.compile(r"^\s*! \[rejected\]\s+(\S+)\s+->\s+\S+\s+\(would clobber existing tag\)", re.MULTILINE)
_REMOTE_MOVED = ("fetch first", "non-fast-forward", "stale info", "failed to lock", "failed to update ref", "cannot lock ref")


def network_env(repo: GitRepo) -> dict[str, str]:
    """Prompts off; BatchMode ssh unless the user configured their own ssh command.

    A user's GIT_SSH_COMMAND, GIT_SSH or core.sshCommand (keys, ports, jump hosts) is
    respected as it is; git then runs detached from the terminal (see `GitRepo.run`), so
    that ssh cannot prompt either.
    """
    env = dict(_NO_PROMPT)
    configured = repo.run("config", "--get", "core.sshCommand", check=False)[1].strip()
    if os.environ.get("GIT_SSH_COMMAND") or os.environ.get("GIT_SSH") or configured:
        del env["GIT_SSH_COMMAND"]
    return env


class SyncError(ProjectError):
    title = "Sync failed"


def redacted(url: str) -> str:
    """A remote URL fit to print: a password in it, or a secret in its query, as `***`.

    mlreq never stores such URLs, but plain git may have (`git remote add` by hand)."""
    url = re.sub(r"^([a-zA-Z][\w+.-]*://[^/@:]*):[^/@]*@", r"\1:***@", url)
    return re.sub(r"([?&;][^=&;#]*(?:token|key|secret|pass|auth|sig|credential)[^=&;#]*=)[^&;#]*", r"\1***", url,
                  flags=re.IGNORECASE)


def check_remote_url(url: str) -> str:
    """Accept https://, ssh://, user@host:path and local paths; refuse everything else."""
    url = url.strip()
    if not url or url.startswith("-"):
        raise InvalidInputError(f"{url!r} is not a remote (it looks like an option)")
    if any(ord(c) < 32 for c in url):
        raise InvalidInputError("a remote URL may not contain control characters")
    if "::" in url.split("/", 1)[0]:
        raise InvalidInputError(f"{url!r}: transport helpers such as ext:: are not allowed")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if _SECRET_IN_QUERY.search(url) or (scheme and ("?" in url or "#" in url)):
        # Never echo the URL: it holds the secret.
        raise InvalidInputError(f"a token or query in a remote URL would be stored in clear in .git/config; {_CREDENTIALS_ADVICE}")
    if scheme in ("https", "ssh", "file"):
        authority = url.split("://", 1)[1].split("/", 1)[0]
        userinfo, _, host = authority.rpartition("@")
        if ":" in userinfo or (scheme != "ssh" and userinfo):
            raise InvalidInputError(f"credentials in a remote URL would be stored in clear in .git/config; {_CREDENTIALS_ADVICE}")
        if host.startswith("-") or host.startswith("[-"):
            raise InvalidInputError(f"{url!r}: a host name may not start with '-' (it would reach ssh as an option)")
        return url
    if scheme:
        raise InvalidInputError(f"{scheme}:// remotes are not allowed: use https://, ssh://, user@host:path or a local path")
    if _SCP_LIKE.match(url):
        if url.split("@", 1)[1].startswith("-"):
            raise InvalidInputError(f"{url!r}: a host name may not start with '-' (it would reach ssh as an option)")
        return url
    if url.startswith(("/", "./", "../", "~")) or Path(url).exists():
        return url
    raise InvalidInputError(f"{url!r} is not a remote mlreq accepts: use https://, ssh://, user@host:path or a local path")


def _absolute_if_local(url: str) -> str:
    """A local path as an absolute one: git resolves a relative path from where it runs
    (the repository root, or the clone's parent folder), not from the user's folder."""
    if "://" in url or _SCP_LIKE.match(url):
        return url
    return os.path.abspath(os.path.expanduser(url))


@dataclass(frozen=True)
class SyncState:
    remote: str | None
    branch: str | None
    ahead: int = 0
    behind: int = 0
    last_sync: float | None = None


@dataclass
class SyncReport:
    merged: bool = False
    fetched_commits: int = 0
    pushed: bool = False
    conflicts: list[str] = field(default_factory=list)
    flagged: tuple[str, ...] = ()
    not_pushed: list[str] = field(default_factory=list)
    """Commits that would go, when a project inside a larger repository was not pushed."""
    form_conflicts: list[str] = field(default_factory=list)
    """Questions of form.toml changed differently on both sides: both versions kept there."""
    tag_clashes: list[str] = field(default_factory=list)
    """Iteration tags named the same on both sides with different content: each side keeps its own."""
    after_merge: str | None = None
    """What failed after the merge was made (a post-merge hook that failed or hung): the merge stands."""
    requirements: MergedRequirements | None = None
    """Requirements changed on both sides (both versions kept) or renumbered by the merge."""


class Sync:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.repo = GitRepo(project.repo_root)

    # ------------------------------------------------------------------ set-up

    def set_remote(self, url: str) -> None:
        url = _absolute_if_local(check_remote_url(url))
        require_committable(self.project.repo_root)  # it commits .gitattributes
        if self.remote_url() is None:
            self.repo.run("remote", "add", "--", REMOTE, url)
        else:
            self.repo.run("remote", "set-url", "--", REMOTE, url)
        self.install_merge_driver()

    def remote_url(self) -> str | None:
        status, out, _ = self.repo.run("config", "--get", f"remote.{REMOTE}.url", check=False)
        return out.strip() or None if status == 0 else None

    def install_merge_driver(self) -> bool:
        """Configure the driver in this clone and commit `.gitattributes` if it is new."""
        configure_merge_driver(self.repo)
        try:
            current = read_project_file(self.project.root, ".gitattributes").decode("utf-8")
        except FileNotFoundError:
            current = ""
        except (OSError, UnicodeDecodeError) as exc:
            raise ProjectFileError(f".gitattributes: cannot read ({exc})") from None
        missing = [line for line in ATTRIBUTES.splitlines() if line not in current.splitlines()]
        if not missing:
            return False
        added = "".join(f"{line}\n" for line in missing)  # a project older than form merging gains its line
        atomic_write(writable_path(self.project.root, ".gitattributes"), (current + ("\n" if current and not current.endswith("\n") else "") + added).encode())
        with self.project._guard, self.project._locked():
            result = self.project.commit_files([".gitattributes"], "Merge answers by question (mlreq merge driver)\n")
        if result.commit_error is not None:
            raise result.commit_error
        return True

    # ------------------------------------------------------------------ state

    def branch(self) -> str | None:
        status, out, _ = self.repo.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return out.strip() if status == 0 else None

    def state(self) -> SyncState:
        remote, branch = self.remote_url(), self.branch()
        ahead = behind = 0
        if remote and branch:
            status, out, _ = self.repo.run(
                "rev-list", "--left-right", "--count", f"HEAD...refs/remotes/{REMOTE}/{branch}", check=False
            )
            if status == 0 and len(out.split()) == 2:
                ahead, behind = (int(n) for n in out.split())
        return SyncState(redacted(remote) if remote else None, branch, ahead, behind, self._last_sync())

    def _last_sync_file(self) -> Path:
        return writable_path(self.project.root, LAST_SYNC_FILE)

    def _last_sync(self) -> float | None:
        try:
            return float(read_project_file(self.project.root, LAST_SYNC_FILE, limit=100))
        except (OSError, ValueError, ProjectFileError):
            return None

    # ------------------------------------------------------------------ sync

    def has_changes(self, push: bool) -> bool:
        """Whether a sync would do something: the remote moved, or (when pushing) this side
        has commits or answers it has not. Fetches the branch; changes nothing here."""
        remote, branch = self.remote_url(), self.branch()
        if remote is None or branch is None:
            return True  # sync says what is wrong
        status, _, err = self._network("fetch", "--no-progress", "--", REMOTE, f"+refs/heads/{branch}:refs/remotes/{REMOTE}/{branch}")
        if status != 0 and "couldn't find remote ref" not in err:
            raise SyncError(f"fetch from {redacted(remote)} failed: {_first(err)}")
        upstream = f"refs/remotes/{REMOTE}/{branch}"
        if self.repo.run("rev-parse", "--verify", "--quiet", upstream, check=False)[0] != 0:
            return push  # nothing there yet: the first push
        state = self.state()
        uncommitted = bool(self.repo.run("status", "--porcelain", "--", *(str(self.project.root / f) for f in self.project.answer_files()), check=False)[1].strip())
        return state.behind > 0 or (push and (state.ahead > 0 or uncommitted))

    def _network(self, *args: str) -> tuple[int, str, str]:
        status, out, err = self.repo.run(
            *args, env=network_env(self.repo), check=False, timeout=NETWORK_TIMEOUT, detach=True
        )
        if status != 0 and _is_auth_failure(err):
            raise SyncError(
                f"authentication to {redacted(self.remote_url() or '')} failed; mlreq never asks for passwords: set up an SSH key "
                "or a credential helper (git config --global credential.helper ...) and try again"
            )
        return status, out, err

    def sync(self, push: bool | None = None) -> SyncReport:
        """Fetch, merge by question, push. `push=None`: push unless the project shares its repository."""
        project = self.project
        # Before touching anything: the user's own unfinished merge, rebase, ... is theirs.
        require_committable(project.repo_root)
        remote, branch = self.remote_url(), self.branch()
        if remote is None:
            raise SyncError("no remote set: run `mlreq remote set URL` first")
        if branch is None:
            raise SyncError("HEAD is not on a branch (detached); check out a branch first")
        author = project.author or project.identity()
        if author is None:
            raise no_identity_error()
        pending = project.commit_pending()
        if pending.commit_error is not None:
            raise SyncError(f"cannot commit your latest answers before syncing: {pending.commit_error}")
        self.install_merge_driver()
        report = SyncReport()
        status, _, err = self._network("fetch", "--no-progress", "--tags", "--prune", "--", REMOTE)
        # A tag named the same on both sides with other content is refused alone: each side
        # keeps its own, the branches are fetched all the same, and the clash is reported.
        report.tag_clashes = _REJECTED_TAG.findall(err)
        problems = [line for line in err.splitlines() if line.lstrip().startswith(("!", "fatal:", "error:"))
                    and "would clobber existing tag" not in line]
        if status != 0 and (problems or not report.tag_clashes):
            raise SyncError(f"fetch from {remote} failed: {_first(err)}")
        upstream = f"refs/remotes/{REMOTE}/{branch}"
        has_upstream = self.repo.run("rev-parse", "--verify", "--quiet", upstream, check=False)[0] == 0
        if has_upstream:
            report.fetched_commits = int(self.repo.run("rev-list", "--count", f"HEAD..{upstream}")[1].strip() or 0)
        if report.fetched_commits:
            before = project.entries()
            form_conflicts_before = self._form_conflicts()
            requirements_before = requirements_or_none(project)
            report.after_merge = self._merge(upstream, author, remote)
            report.merged = True
            project.reload_form()  # the merge may have brought the other side's tailoring
            report.form_conflicts = [q for q in self._form_conflicts() if q not in form_conflicts_before]
            after = project.entries()
            report.conflicts = [qid for qid, entry in after.items() if entry.conflict and not before.get(qid, entry).conflict]
            report.flagged = self._flag_after_merge(before, after)
            report.requirements = merged_requirements(requirements_before, requirements_or_none(project))
        shared = project.root != project.repo_root
        if push is None:
            push = not shared
        if not push:
            ahead = self.repo.run("rev-list", "--oneline", f"{upstream}..HEAD" if has_upstream else "HEAD", check=False)[1]
            report.not_pushed = [line for line in ahead.splitlines() if line.strip()]
        else:  # even with no new commit: an iteration made since the last sync must travel
            status, out, err = self._network("push", "--porcelain", "--follow-tags", "--", REMOTE, f"HEAD:refs/heads/{branch}")
            lines = [line.split("\t") for line in out.splitlines() if line[:1] in " +-*!=" and line.count("\t") >= 2]
            rejected = [line for line in lines if line[0] == "!"]
            clashes = [line for line in rejected if ":refs/tags/" in line[1] and "already exists" in line[2]]
            names = [*report.tag_clashes, *(line[1].rpartition(":refs/tags/")[2] for line in clashes)]
            report.tag_clashes = list(dict.fromkeys(names))
            refused = [line for line in rejected if line not in clashes]
            if refused or (status != 0 and not rejected):
                reason = refused[0][2].replace("[", "").replace("]", "") if refused else _first(err)
                if any(sign in reason for sign in _REMOTE_MOVED):
                    advice = "someone pushed meanwhile; your work is kept here: run sync again"
                else:
                    advice = "your work is kept here; nothing was pushed"
                raise SyncError(f"push to {remote} was rejected ({reason}); {advice}")
            report.pushed = any(line[0] in " +-*" for line in lines)
        try:
            atomic_write(self._last_sync_file(), str(time.time()).encode())
        except (OSError, ProjectFileError):
            pass
        return report

    def _form_conflicts(self) -> list[str]:
        try:
            return list(form_conflicts(read_project_toml(self.project.root, FORM_FILE)))
        except MlreqError:
            return []

    def _merge(self, upstream: str, author: Identity, remote: str) -> str | None:
        """Merge `upstream`; returns what went wrong after the merge was made (its
        post-merge hook), or raises when the merge itself did not happen."""
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": author.name,
            "GIT_COMMITTER_EMAIL": author.email,
        }
        message = f"Sync with {remote}\n\nMerged answers by question (mlreq).\n"
        require_committable(self.project.repo_root)  # the merge undone below must be the one started here
        head_before = self.repo.run("rev-parse", "--verify", "--quiet", "HEAD", check=False)[1].strip()
        status, _, err = self.repo.run(
            "-c", "commit.gpgsign=false", "merge", "--ff", "--no-edit", "--no-verify", "-m", message, upstream,
            env=env, check=False,
        )
        if status == 0:
            return None
        if self._merge_made(upstream, head_before):
            # The merge commit exists and HEAD holds it; what failed ran afterwards (a hook).
            return f"the merge was made, then git said: {_first(err)}"
        unmerged = self.repo.run("diff", "--name-only", "--diff-filter=U", check=False)[1].split()
        if merge_in_progress(self.project.repo_root):  # ours: there was none just before
            self.repo.run("merge", "--abort", check=False)
        where = f" in {', '.join(unmerged)}" if unmerged else ""
        raise SyncError(f"the merge stopped{where}: {_first(err)}; nothing was changed, your work is as it was")

    def _merge_made(self, upstream: str, head_before: str) -> bool:
        """Whether HEAD moved to a commit holding `upstream`: the merge was committed and
        what failed came after it (git runs post-merge before clearing MERGE_HEAD)."""
        head = self.repo.run("rev-parse", "--verify", "--quiet", "HEAD", check=False)[1].strip()
        if not head or head == head_before:
            return False
        if self.repo.run("merge-base", "--is-ancestor", upstream, "HEAD", check=False)[0] != 0:
            return False
        if merge_in_progress(self.project.repo_root):
            self.repo.run("merge", "--quit", check=False)  # the stale state of a merge already committed
        return True

    def _flag_after_merge(self, before: dict, after: dict) -> tuple[str, ...]:
        """Answers changed by the merge put their dependents in doubt, like any other change."""
        changes = [("", Change(qid, before.get(qid, entry), entry)) for qid, entry in after.items() if before.get(qid) != entry]
        author = self.project.author or self.project.identity()
        with self.project._guard, self.project._locked():
            self.project._edit_run = None  # the merge's changes are compared with what was here before it
            answer_changes = self.project._answer_changes(changes)
            flagged, _ = self.project._flag_dependents(answer_changes, f"sync from {REMOTE}", None)
            suspects = flag_requirements(self.project, answer_changes, f"sync from {REMOTE}")
            if flagged or suspects:
                message = f"Flag {'answers' if flagged else 'requirements'} for review after sync\n\n" + "\n".join(f"Mlreq-Question: {q}" for q in flagged) + "\n"
                files = sorted({self.project.file_of(self.project.form.question(q)) for q in flagged})
                if suspects:
                    files, message = sorted({*files, REQUIREMENTS_FILE}), with_requirement_flags(message, suspects)
                result = self.project.commit_files(files, message) if author else None
                if result is not None and result.commit_error is not None:
                    raise result.commit_error
        return flagged


def clone(url: str, path: Path) -> Project:
    """`mlreq clone URL PATH`: a project from a remote, with the merge driver set up."""
    url = _absolute_if_local(check_remote_url(url))
    path = path.expanduser().absolute()
    existed = path.exists()
    if existed and (not path.is_dir() or any(path.iterdir())):
        raise InvalidInputError(f"{path} exists and is not empty")
    repo = GitRepo(path.parent if path.parent.exists() else Path.cwd())
    path.parent.mkdir(parents=True, exist_ok=True)
    status, _, err = repo.run(
        "clone", "--quiet", "--", url, str(path), env=network_env(repo), check=False, timeout=NETWORK_TIMEOUT, detach=True
    )
    if status != 0:
        if _is_auth_failure(err):
            raise SyncError(f"authentication to {url} failed; set up an SSH key or a credential helper")
        raise SyncError(f"clone of {url} failed: {_first(err)}")
    try:
        project = Project.open(path)
    except BaseException:
        _remove_clone(path, existed)  # not a project mlreq can use: leave nothing behind
        raise
    configure_merge_driver(GitRepo(project.repo_root), own_repository=True)
    return project


def _remove_clone(path: Path, existed: bool) -> None:
    """Undo a clone: the folder git made, or what it put into the empty folder given."""
    import shutil

    if not existed:
        shutil.rmtree(path, ignore_errors=True)
        return
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _is_auth_failure(err: str) -> bool:
    signs = ("Authentication failed", "Permission denied", "could not read Username", "terminal prompts disabled", "Host key verification failed")
    return any(sign in err for sign in signs)


def _first(err: str) -> str:
    """git's own reason: its first fatal/error line, else its first line."""
    lines = [line.strip() for line in err.splitlines() if line.strip()]
    for line in [*(text for text in lines if text.startswith(("fatal: ", "error: "))), *lines]:
        return line.removeprefix("fatal: ").removeprefix("error: ")
    return "git failed"

