"""The git reads of `mlreq log [QID]` and `mlreq diff`, startable before anything else is loaded.

On 10,000 saves the walk is most of `mlreq log`'s time, and it needs only the repository
and the project's folder in it: the CLI starts it before it builds its parser and reads
the project (imports, form.toml), so both run at once, and `History.log` reads the walk
already under way. `mlreq diff` starts its iteration tags and its `cat-file` the same way
(`DiffReads`). Each is only a head start: `History` uses one only if its `key` says it is
what it would read itself, and stops it otherwise.
"""

from __future__ import annotations

from pathlib import Path

from .gitrepo import BlobFeed, BlobIdFeed, GitRepo, GitStream, ObjectReader, find_git_root
from .layout import answers_file, find_project_root

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from .gitrepo import StartedGit

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


def _repository_of(path: Path) -> tuple[Path, str, Path] | None:
    """(repository root, the project's folder in it ("" at the root), project root) for the
    project at or above `path`; None when there is no such project or repository (the
    command then says so, as without a head start). Raises what reading the folders raises."""
    root = find_project_root(path)
    repo_root = find_git_root(root)
    if repo_root is None or not root.is_relative_to(repo_root.resolve()):
        return None
    scope = root.relative_to(repo_root).as_posix()
    return repo_root, "" if scope in (".", "") else scope, root


def start_walk_at(path: Path) -> GitStream | None:
    """The log walk of the project at or above `path`, or None (see `_repository_of`)."""
    try:
        found = _repository_of(path)
        return start_walk(found[0], found[1]) if found else None
    except Exception:  # noqa: BLE001 - only a head start: the command reports its own errors
        return None


ITERATION_FIELDS = ("%(refname:strip=2)", "%(*objectname)", "%(objectname)", "%(creatordate:iso-strict)", "%(contents)")


def iteration_refs_arguments(tag_prefix: str) -> list[str]:
    """The `for-each-ref` that lists a project's iterations (annotated tags under
    `refs/tags/<tag_prefix>`), oldest first, one record per tag (`History.iterations`)."""
    return ["for-each-ref", "--sort=creatordate", f"--format={FIELD.join(ITERATION_FIELDS)}{RECORD}", f"refs/tags/{tag_prefix}"]


def tag_prefix_of(scope: str) -> str:
    """Where a project's iteration tags live: `iteration/`, or for a project in a subfolder
    (`scope`) `iteration/<the folder's slug>/`, a stable hash when nothing ASCII is left."""
    if not scope:
        return "iteration/"
    import hashlib

    from .history import slugify  # (loaded here only for a project in a subfolder)

    return f"iteration/{slugify(scope) or 'project-' + hashlib.sha1(scope.encode()).hexdigest()[:8]}/"


class DiffReads:
    """The first git reads of `mlreq diff`, started before the project is read: the
    iteration tags (`iteration_refs_arguments`), which name the two ends, and one
    `cat-file --batch`, which reads their files. `History` takes each only if `key`
    (repository root, tag prefix) is its own; `stop()` ends whatever nobody took."""

    def __init__(self, repo_root: Path, tag_prefix: str) -> None:
        self.key = (repo_root, tag_prefix)
        self.refs: StartedGit | None = GitRepo(repo_root).start(*iteration_refs_arguments(tag_prefix))
        try:
            self.reader: ObjectReader | None = ObjectReader(repo_root)
        except BaseException:
            self.refs.finished()
            raise

    def take_refs(self) -> StartedGit | None:
        refs, self.refs = self.refs, None
        return refs

    def take_reader(self) -> ObjectReader | None:
        reader, self.reader = self.reader, None
        return reader

    def stop(self) -> None:
        refs, reader = self.take_refs(), self.take_reader()
        if reader is not None:
            reader.close()  # git ends at the end of its input
        if refs is not None:
            refs.finished()  # a read: it ends by itself


def start_diff_reads_at(path: Path) -> DiffReads | None:
    """`mlreq diff`'s first reads for the project at or above `path`, or None (see `_repository_of`)."""
    try:
        found = _repository_of(path)
        return DiffReads(found[0], tag_prefix_of(found[1])) if found else None
    except Exception:  # noqa: BLE001 - only a head start: the command reports its own errors
        return None


TIMELINE_FIELDS = ("%H", "%an", "%aI", "%P", f"%(trailers:key={QUESTION_TRAILER},valueonly,separator=%x2c)")


class TimelineRead:
    """The versions of one answer file a timeline looks at, read while git walks: every
    commit of the file's first-parent log that names the question, or no question (hand
    commits and merges), is asked of one `cat-file --batch-check` as soon as the log shows
    it, for the file's blob id there, and each version `timelinecache` did not keep from an
    earlier timeline is asked of one `cat-file --batch` as soon as its id is known. (Blob
    ids from the log's own `--raw` cost the walk a fifth more: it shows every change of the
    stage file, a few of them this question's.) `result()` is a list, oldest first, of
    (commit, author, date, is a merge, is not mlreq's, blob id or None, bytes or None);
    `cached` holds what was kept (blob id -> record).

    In the background (`background=True`) it runs on a thread, so `mlreq log QID` reads
    while it loads the project."""

    def __init__(self, repo_root: Path, path: str, question_id: str, window: int | None = None, background: bool = False) -> None:
        self.key = (repo_root, path, question_id, window)
        self.cached: dict[str, list] = {}
        self._result: list[tuple[str, str, str, bool, bool, str | None, bytes | None]] | None = None
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread = None
        self._log: GitStream | None = None
        if background:
            import threading

            try:  # git starts now, on this thread, not whenever the reading thread first runs
                self._log = self._start_log()
            except BaseException as exc:  # said by `result()`, as the thread would have
                self._error = exc
                return
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        else:
            self._run()

    def _start_log(self) -> GitStream:
        """The file's first-parent log, one record per commit."""
        repo_root, path, _, window = self.key
        limit = [f"-n{window}"] if window else []
        return GitStream(repo_root, "log", "--first-parent", *limit, f"--format={FIELD.join(TIMELINE_FIELDS)}{RECORD}", "--", path)

    def _run(self) -> None:
        try:
            self._result = self._read()
        except BaseException as exc:  # said by the thread that asks for the result
            self._error = exc

    def _read(self) -> list[tuple[str, str, str, bool, bool, str | None, bytes | None]]:
        from .timelinecache import load

        repo_root, path, question_id, _ = self.key
        cached: dict[str, list] = {}
        candidates: list[tuple[str, str, str, bool, bool]] = []
        wanted: dict[str, int] = {}  # the versions to read, each once: blob id -> its place among them
        where: list[int | None] = []  # each candidate's version among them (None: kept, or no file)

        def take(record: str) -> str | None:
            """The record's `commit:path` if it is a candidate, else None."""
            parts = record.strip("\n").split(FIELD)
            if len(parts) != 5:
                return None
            commit, author, date, parents, trailers = parts
            named = [q.strip() for q in trailers.split(",") if q.strip()]
            if named and question_id not in named:
                return None  # hand commits and merges carry no trailer: look inside
            candidates.append((commit, author, date, len(parents.split()) > 1, not named))
            return f"{commit}:{path}"

        def found_id(index: int, blob_id: str | None) -> None:
            """(On the lookup's thread) read the version now unless kept (a hand commit's only if it read)."""
            untrusted = candidates[index][4]
            if blob_id is None or (blob_id in cached and (cached[blob_id][1] or not untrusted)):
                where.append(None)
                return
            if blob_id not in wanted:
                wanted[blob_id] = len(wanted)
                contents.ask([blob_id])
            where.append(wanted[blob_id])

        log, self._log = self._log or self._start_log(), None
        with log, BlobFeed(repo_root) as contents, BlobIdFeed(repo_root, found_id) as lookup:
            self.cached = cached = load(question_id)  # while git starts walking
            rest = ""
            for piece in log.pieces():
                if self._cancelled:
                    return []
                *records, rest = (rest + piece).split(RECORD)  # each record ends with RECORD
                lookup.ask([name for name in map(take, records) if name])
            status, _ = log.finish()
            blob_ids = lookup.ids()
            read = contents.contents()
        if status != 0:  # no commits yet, or git refused: no versions
            return []
        found = [(*candidate, blob_id, None if index is None else read[index])
                 for candidate, blob_id, index in zip(candidates, blob_ids, where)]
        found.reverse()
        return found

    def result(self) -> list[tuple[str, str, str, bool, bool, str | None, bytes | None]]:
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
        found = _repository_of(path)
        if found is None:
            return None
        repo_root, scope, root = found
        relative = answers_file(question_id.split(".", 1)[0])
        if f'["{question_id}"]'.encode() not in read_project_file(root, relative):
            return None
        return TimelineRead(repo_root, f"{scope}/{relative}" if scope else relative, question_id, background=True)
    except Exception:  # noqa: BLE001 - only a head start: the command reports its own errors
        return None
