"""The `git log` a project's log is read from, startable before anything else is loaded.

On 10,000 saves the walk is most of `mlreq log`'s time, and it needs only the repository
and the project's folder in it: the CLI starts it before it reads the project (imports,
form.toml), so both run at once, and `History.log` reads the walk already under way.
"""

from __future__ import annotations

from pathlib import Path

from .gitrepo import BlobFeed, GitStream, find_git_root
from .layout import answers_file, find_project_root

QUESTION_TRAILER = "Mlreq-Question"
"""`commitmessage.TRAILER`, not imported from there: that module loads the answers' model."""
REQUIREMENT_TRAILER = "Mlreq-Requirement"
"""`requirements.TRAILER`, for the same reason."""
FIELD, RECORD = "\x1f", "\x1e"
FIELDS = (
    "%H", "%an", "%ae", "%aI", "%s",
    f"%(trailers:key={QUESTION_TRAILER},valueonly,separator=%x2c)",
    f"%(trailers:key={REQUIREMENT_TRAILER},valueonly,separator=%x2c)",
)


def log_arguments(scope: str, limit: int | None = None) -> list[str]:
    """`git log` of the project's saves, newest first, one record per save."""
    return ["log", f"--format={FIELD.join(FIELDS)}{RECORD}", *([f"-n{limit}"] if limit else []), "--", scope or "."]


def start_walk(repo_root: Path, scope: str, limit: int | None = None) -> GitStream:
    stream = GitStream(repo_root, *log_arguments(scope, limit))
    stream.key = (repo_root, scope, limit)
    return stream


def start_walk_at(path: Path) -> GitStream | None:
    """The log walk of the project at or above `path`, or None when there is no such
    project or repository (the command then says so, as without it)."""
    try:
        root = find_project_root(path)
        repo_root = find_git_root(root)
        if repo_root is None or not root.is_relative_to(repo_root.resolve()):
            return None
        scope = root.relative_to(repo_root).as_posix()
        return start_walk(repo_root, "" if scope in (".", "") else scope)
    except Exception:  # noqa: BLE001 - only a head start: the command reports its own errors
        return None


TIMELINE_FIELDS = ("%H", "%an", "%aI", "%P", f"%(trailers:key={QUESTION_TRAILER},valueonly,separator=%x2c)")


class TimelineRead:
    """The versions of one answer file a timeline looks at, read while git walks: every
    commit of the file's first-parent log that names the question, or no question (hand
    commits and merges), is asked of one `cat-file --batch` as soon as the log shows it
    (reading the versions costs git more than the walk). `result()` is (candidates, blobs),
    oldest first: (commit, author, date, is a merge, is not mlreq's) and the file's bytes.

    In the background (`background=True`) it runs on a thread, so `mlreq log QID` reads
    while it loads the project."""

    def __init__(self, repo_root: Path, path: str, question_id: str, window: int | None = None, background: bool = False) -> None:
        self.key = (repo_root, path, question_id, window)
        self._result: tuple[list[tuple[str, str, str, bool, bool]], list[bytes | None]] | None = None
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = None
        if background:
            import threading

            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        try:
            self._result = self._read()
        except BaseException as exc:  # said by the thread that asks for the result
            self._error = exc

    def _read(self) -> tuple[list[tuple[str, str, str, bool, bool]], list[bytes | None]]:
        repo_root, path, question_id, window = self.key
        limit = [f"-n{window}"] if window else []
        candidates: list[tuple[str, str, str, bool, bool]] = []
        with GitStream(repo_root, "log", "--first-parent", *limit, f"--format={FIELD.join(TIMELINE_FIELDS)}{RECORD}", "--", path) as log, \
                BlobFeed(repo_root) as feed:
            rest = ""
            for piece in log.pieces():
                if self._cancelled:
                    return [], []
                *records, rest = (rest + piece).split(RECORD)
                found = []
                for record in records:
                    parts = record.strip("\n").split(FIELD)
                    if len(parts) != 5:
                        continue
                    commit, author, date, parents, trailers = parts
                    named = [q.strip() for q in trailers.split(",") if q.strip()]
                    if not named or question_id in named:  # hand commits and merges carry no trailer: look inside
                        found.append((commit, author, date, len(parents.split()) > 1, not named))
                candidates += found
                feed.ask([f"{c[0]}:{path}" for c in found])
            status, _ = log.finish()
            if status != 0:  # no commits yet, or git refused: no versions
                candidates = []
            blobs = feed.contents()[: len(candidates)]
        candidates.reverse()
        blobs.reverse()
        return candidates, blobs

    def result(self) -> tuple[list[tuple[str, str, str, bool, bool]], list[bytes | None]]:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def stop(self) -> None:
        """Not needed after all: stop reading (its git processes end with it)."""
        self._cancelled = True
        if self._thread is not None:
            self._thread.join()


def start_timeline_at(path: Path, question_id: str) -> TimelineRead | None:
    """The reading of `question_id`'s timeline for the project at or above `path`, begun
    before the project's form is read: the stage file is guessed as mlreq's forms name
    questions (`<stage>.<name>`) and must hold the question's table now; `History.timeline`
    checks the guess against the form and reads again when it was wrong. None when there
    is nothing to guess from."""
    from .safefile import read_project_file

    try:
        root = find_project_root(path)
        repo_root = find_git_root(root)
        if repo_root is None or not root.is_relative_to(repo_root.resolve()):
            return None
        relative = answers_file(question_id.split(".", 1)[0])
        if f'["{question_id}"]'.encode() not in read_project_file(root, relative):
            return None
        scope = root.relative_to(repo_root).as_posix()
        return TimelineRead(repo_root, relative if scope in (".", "") else f"{scope}/{relative}", question_id, background=True)
    except Exception:  # noqa: BLE001 - only a head start: the command reports its own errors
        return None
