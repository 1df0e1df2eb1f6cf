"""A requirements project: TOML answers in a folder, every saved change one git commit.

Invariants:
- A save re-reads the file it changes and touches only its own question, so edits to
  other questions made meanwhile (another session, a hand edit, a pull) are kept.
- A save refuses, writing nothing, when the very entry changed on disk since the caller
  read it; both texts are returned in the ConflictError.
- Files are replaced atomically; the commit names every question whose entry differs
  from HEAD, so a change that could not be committed goes in with the next save.
- Only the project's own files are committed (`git commit --only`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from mlreq.bank import Form, Question, form_from_data
from mlreq.bank.errors import BankError, MlreqError
from mlreq.bank.record import Record, init_fields

from .answers import EMPTY, AnswerFile, Entry, check_status
from .errors import (
    CommitError,
    ConflictError,
    ConflictingEntry,
    GitReadError,
    InvalidInputError,
    NoIdentityError,
    ProjectError,
    ProjectFileError,
    UnknownQuestionError,
)
from .gitrepo import IDENTITY_QUERY, BlobRead, GitRepo, Identity, StartedGit, find_git_root
from .layout import ANSWERS_DIR, FORM_FILE, PROJECT_FILE, REQUIREMENTS_FILE, STATE_DIR, answers_file, find_project_root
from .safefile import check_folder, list_project_folder, read_project_file, read_project_toml, writable_path
from .tomlstr import check_encodable

# What only a write needs (locking, repository state, atomic writes, needs-review flags,
# requirements, commit messages) is imported where it runs: `mlreq show`, `status` and the
# completions read the project and never pay for it (issue 14).
TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from datetime import datetime

    from .commitmessage import Change, Restoration
    from .impact import AnswerChange

from _thread import RLock  # what threading.RLock is; threading itself costs `mlreq show` ~1 ms

try:
    from _blake2 import blake2b  # what hashlib.blake2b is; hashlib itself also loads OpenSSL (~3 ms)
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b


class SaveResult(Record):
    """What one save did: which questions it changed on disk and whether git has them."""

    __slots__ = ("changed", "commit", "commit_error", "committed", "flagged", "may_be_affected", "withdrawn")
    changed: tuple[str, ...]
    commit: str | None
    commit_error: CommitError | None
    committed: tuple[str, ...]
    flagged: tuple[str, ...]
    """Answers this save marked needs-review because they build directly on the changed one."""
    may_be_affected: tuple[str, ...]
    """Answered questions further down: not flagged, worth a look."""
    withdrawn: tuple[str, ...]
    """Answers an earlier save of this run had flagged, back as they were: the changed
    answer returned to the meaning it had when the run began (a slip, undone)."""

    def __init__(
        self, changed: tuple[str, ...] = (), commit: str | None = None, commit_error: CommitError | None = None,
        committed: tuple[str, ...] = (), flagged: tuple[str, ...] = (), may_be_affected: tuple[str, ...] = (),
        withdrawn: tuple[str, ...] = (),
    ) -> None:
        init_fields(self, changed, commit, commit_error, committed, flagged, may_be_affected, withdrawn)

    @property
    def ok(self) -> bool:
        return self.commit_error is None


class _CachedFile:
    """A parsed file and the digest of its bytes (a plain class: every dataclass costs a
    start about half a millisecond to make)."""

    __slots__ = ("fingerprint", "answers")

    def __init__(self, fingerprint: bytes, answers: AnswerFile) -> None:
        self.fingerprint = fingerprint
        """A digest of the file's bytes. Not its stat: two writes within one clock tick can
        leave the same size, mtime and (reused) inode, and a stale cache would overwrite."""
        self.answers = answers


class Project:
    """An open project. Safe to share between threads; saves are serialised.

    (A plain class, not a dataclass: see `mlreq.bank.record`. Equal only to itself, as the
    dataclass was in effect: each project has its own lock.)"""

    def __init__(self, root: Path, repo_root: Path, name: str, form: Form, author: Identity | None = None) -> None:
        self.root = root
        self.repo_root = repo_root
        self.name = name
        self.form = form
        self.author = author
        """Who commits; None means git's configuration decides."""
        self._files: dict[str, _CachedFile] = {}
        self._committed: dict[str, dict[str, Entry]] | None = None
        self._committed_head: str | None = None
        """The commit `_committed` was read from: another process's commit makes it stale."""
        self._unborn = False
        """The project's own files are not in HEAD yet (the commit creating it failed)."""
        self._clean: dict[str, bytes] = {}
        """Answer files known to equal the committed baseline, by fingerprint: skipped when
        looking for uncommitted changes, so a save compares only the file it wrote."""
        self._edit_run: tuple[str, str] | None = None
        """(question, its committed answer before this run of saves): consecutive saves of one
        answer (the app's autosaves while typing) are one edit, compared with where it began."""
        self._run_flags: dict[str, tuple[Entry, Entry]] = {}
        """Dependents this run of saves marked needs-review: (entry before, entry as flagged).
        Undoing the run's change (back to the meaning it began from) withdraws these flags."""
        self._run_requirement_flags: dict[str, tuple[str, str, str]] = {}
        """Requirements this run of saves marked needs-review: (status, review) before, reason set."""
        self.on_lock_wait: Callable[[str], None] | None = None
        """Told one line when another mlreq holds the project's lock (the CLI prints it)."""
        self._guard = RLock()
        self._head_ids: dict[str, str | None] | None = None
        """The blob ids of the answer files (and mlreq.toml) at `_committed_head`, when known."""
        self._head_ahead: tuple[str, list[str], BlobRead] | None = None
        """HEAD's id, the paths asked and the git read of them that `read_ahead` started."""
        self._identity_ahead: StartedGit | None = None

    def __repr__(self) -> str:
        return f"Project(root={self.root!r}, repo_root={self.repo_root!r}, name={self.name!r}, form={self.form!r}, author={self.author!r})"

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: Path, author: Identity | None = None) -> Project:
        """Open the project at or above `path`."""
        root = find_project_root(path)
        settings = read_project_toml(root, PROJECT_FILE)
        name = str(settings.get("project", {}).get("name", root.name))
        form = _read_form(root)
        repo_root = find_git_root(root)
        if repo_root is None:
            raise ProjectError(f"{root}: the project is not inside a git repository; run `git init` there")
        if not root.is_relative_to(repo_root.resolve()):
            raise ProjectError(f"{root}: the project is outside its git repository {repo_root} (reached through a link?); refused")
        return cls(root=root, repo_root=repo_root, name=name, form=form, author=author)

    def reload_form(self) -> bool:
        """Read form.toml again (a sync, a tailoring or another process may have changed
        it); True when the question set is not the one held until now."""
        form = _read_form(self.root)
        if form == self.form:
            return False
        self.form = form
        return True

    # ----------------------------------------------------------------- paths

    def path_of(self, relative: str) -> Path:
        return self.root / relative

    def repo_path(self, relative: str) -> str:
        """A project-relative path as git names it from the repository root."""
        return (self.root / relative).relative_to(self.repo_root).as_posix()

    def answer_files(self) -> list[str]:
        """Project-relative answer files: one per stage, plus any others found on disk."""
        files = [answers_file(stage.id) for stage in self.form.stages]
        names = list_project_folder(self.root, ANSWERS_DIR)
        files += [f"{ANSWERS_DIR}/{n}" for n in names if n.endswith(".toml") and not n.startswith(".") and f"{ANSWERS_DIR}/{n}" not in files]
        return files

    def file_of(self, question: Question) -> str:
        return answers_file(question.stage)

    def question(self, question_id: str) -> Question:
        question = self.form.question(question_id)
        if question is None:
            close = self.form.closest_question_ids(question_id)
            hint = f"; did you mean {' or '.join(close)}?" if close else "; `mlreq status` lists the ids"
            raise UnknownQuestionError(f"unknown question {question_id!r}{hint}")
        return question

    # ----------------------------------------------------------------- reading

    def _read(self, relative: str) -> AnswerFile | None:
        """The parsed file, re-parsed only if its bytes changed since last read."""
        path = self.path_of(relative)
        try:
            data = read_project_file(self.root, relative)
        except FileNotFoundError:
            self._files.pop(relative, None)
            return None
        except OSError as exc:
            raise ProjectError(f"{relative}: cannot read ({exc.strerror})") from None
        fingerprint = _digest(data)
        cached = self._files.get(relative)
        if cached and cached.fingerprint == fingerprint:
            return cached.answers
        answers = AnswerFile.parse(path, data, relative, cached=True)
        self._files[relative] = _CachedFile(fingerprint, answers)
        return answers

    def entries(self) -> dict[str, Entry]:
        """Every entry on disk, keyed by question id (questions never answered are EMPTY)."""
        with self._guard:
            found: dict[str, Entry] = {}
            for relative in self.answer_files():
                answers = self._read(relative)
                if answers is not None:
                    for qid, entry in answers.entries().items():
                        # A stray copy in another file (see `mlreq check`) never hides the
                        # entry in the question's own file, which is what entry() and save() use.
                        question = self.form.question(qid)
                        if qid not in found or (question is not None and self.file_of(question) == relative):
                            found[qid] = entry
            return {q.id: found.get(q.id, EMPTY) for q in self.form.questions} | {
                qid: entry for qid, entry in found.items() if self.form.question(qid) is None
            }

    def entry(self, question_id: str) -> Entry:
        question = self.question(question_id)
        with self._guard:
            answers = self._read(self.file_of(question))
            return answers.entry(question_id) if answers else EMPTY

    def disk_fingerprint(self) -> tuple:
        """Changes when any project file changes on disk; cheap enough to poll (a few KB)."""
        marks = []
        for relative in (PROJECT_FILE, FORM_FILE, *self.answer_files()):
            try:
                marks.append((relative, _digest(read_project_file(self.root, relative))))
            except (OSError, ProjectFileError) as exc:
                marks.append((relative, str(exc)))
        return tuple(marks)

    # ----------------------------------------------------------------- saving

    def save(
        self,
        question_id: str,
        *,
        answer: str | None = None,
        status: str | None = None,
        notes: str | None = None,
        base: Entry | None = None,
        when: datetime | None = None,
        restored_from: Restoration | None = None,
        minor: bool = False,
        agreed_by: tuple[str, ...] | None = None,
    ) -> SaveResult:
        """Change one entry on disk and commit it.

        `restored_from`: the answer is an earlier version brought back; the commit says so.

        `base` is the entry as the caller last read it; if the file now holds something
        else for this question (and not what we are saving), nothing is written and a
        ConflictError carries both versions. `when` backdates the commit (demo history).
        A `minor` edit flags nothing downstream, and its commit says so. `agreed_by`: the
        role ids that agreed (with status "agreed").
        """
        question = self.question(question_id)
        if status is not None:
            check_status(status)
        if agreed_by is not None:
            agreed_by = self.check_roles(agreed_by)
        for text, what in ((answer, "answer"), (notes, "notes")):
            if text is not None:
                check_encodable(text, what)
        relative = self.file_of(question)
        from .repostate import require_committable

        with self._guard, self._locked():
            require_committable(self.repo_root, unmerged=False)  # mid-merge, mid-rebase, detached: write nothing
            # Read git's side first: a repository git refuses (another user's, corrupt)
            # stops the save before the file is touched, not after it was rewritten.
            committed: dict[str, dict[str, Entry]] = {}
            try:
                committed = self._committed_entries()
            except GitReadError as exc:
                raise GitReadError(f"{exc}; nothing was written") from None
            except CommitError:
                pass  # git is missing: the text goes to disk and the commit step says why (exit 5)
            answers = self._read(relative) or AnswerFile.new(self.path_of(relative), _header(self, question.stage), [])
            on_disk = answers.entry(question_id)
            if self._edit_run is None or self._edit_run[0] != question_id:
                head = committed.get(relative, {}).get(question_id, on_disk if not committed else EMPTY)
                self._edit_run = (question_id, head.answer)
                self._run_flags, self._run_requirement_flags = {}, {}
            wanted = next_entry(on_disk if base is None else base, answer, status, notes, agreed_by)
            if base is not None and on_disk != base and on_disk != wanted:
                raise ConflictError(
                    f"{question_id} changed on disk since you opened it; both texts are kept, choose or merge them",
                    ConflictingEntry(question_id, mine=wanted, theirs=on_disk),
                )
            changed: tuple[str, ...] = ()
            if wanted != on_disk:
                self._write(relative, answers, {question_id: wanted})
                changed = (question_id,)
            return self._commit_locked(
                changed, when, {question_id: restored_from} if restored_from else None, minor=(question_id,) if minor else ()
            )

    def keep_other_version(self, question_id: str, other: str, reason: str) -> SaveResult:
        """Keep `other` beside the answer as a conflict (as a sync does when both sides changed
        it): the answer stays, `other` waits in `conflict`, the entry needs review with
        `reason`, until someone settles it (`mlreq resolve`). Committed like a save."""
        question = self.question(question_id)
        check_encodable(other, "answer")
        relative = self.file_of(question)
        from .repostate import require_committable

        with self._guard, self._locked():
            require_committable(self.repo_root, unmerged=False)
            answers = self._read(relative) or AnswerFile.new(self.path_of(relative), _header(self, question.stage), [])
            on_disk = answers.entry(question_id)
            wanted = on_disk.with_changes(conflict=other, status="needs-review", review=reason)
            changed: tuple[str, ...] = ()
            if wanted != on_disk:
                self._write(relative, answers, {question_id: wanted})
                changed = (question_id,)
            return self._commit_locked(changed)

    def edit_base(self, question_id: str) -> str | None:
        """The committed answer the current run of saves of `question_id` began from, or
        None when the last save was of another question (the next save starts a run)."""
        run = self._edit_run
        return run[1] if run is not None and run[0] == question_id else None

    def check_roles(self, roles: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Role names, aliases or ids as the form's role ids, in the form's order; an
        unknown one is refused naming the choices (exit 2)."""
        found = []
        for name in roles:
            role = self.form.find_role(name)
            if role is None:
                choices = ", ".join(r.name for r in self.form.roles)
                raise InvalidInputError(f"unknown role {name!r} for --agreed-by: choose from {choices}")
            found.append(role.id)
        return tuple(r.id for r in self.form.roles if r.id in found)

    def save_entries(self, wanted: dict[str, Entry], base: dict[str, Entry], subject: str) -> SaveResult:
        """Write several entries in one commit titled `subject` (confirming reviews).

        Every question's entry on disk must still be its `base` (else ConflictError, nothing
        written): what the user decided on is what gets replaced.
        """
        questions = {qid: self.question(qid) for qid in wanted}
        from .repostate import require_committable

        with self._guard, self._locked():
            require_committable(self.repo_root, unmerged=False)
            by_file: dict[str, dict[str, Entry]] = {}
            for qid, entry in wanted.items():
                by_file.setdefault(self.file_of(questions[qid]), {})[qid] = entry
            files: list[tuple[str, AnswerFile, dict[str, Entry]]] = []
            for relative, changes in by_file.items():
                answers = self._read(relative) or AnswerFile.new(self.path_of(relative), _header(self, questions[next(iter(changes))].stage), [])
                for qid, entry in changes.items():
                    on_disk = answers.entry(qid)
                    if on_disk != base.get(qid, on_disk) and on_disk != entry:
                        raise ConflictError(
                            f"{qid} changed on disk meanwhile; nothing was written, look at it again",
                            ConflictingEntry(qid, mine=entry, theirs=on_disk),
                        )
                files.append((relative, answers, {q: e for q, e in changes.items() if answers.entry(q) != e}))
            changed: list[str] = []
            for relative, answers, changes in files:
                if changes:
                    self._write(relative, answers, changes)
                    changed += changes
            self._edit_run = None
            return self._commit_locked(tuple(changed), subject=subject)

    def commit_pending(self) -> SaveResult:
        """Commit whatever differs from HEAD (an earlier save that git refused, a hand edit)."""
        from .repostate import require_committable

        with self._guard, self._locked():
            require_committable(self.repo_root, unmerged=False)
            return self._commit_locked(())

    def _write(self, relative: str, answers: AnswerFile, changes: dict[str, Entry] | None = None) -> None:
        """Apply `changes` to the (cached) parsed file and replace the file on disk.

        The parsed file is edited in place, so if anything fails before the new bytes are
        on disk it is dropped from the cache: the cache never holds text the file does not,
        or the next save of the same text would find nothing to write.
        """
        from .atomic import atomic_write, remove_leftovers

        try:
            for question_id, entry in (changes or {}).items():
                answers.set_entry(question_id, entry)
            data = answers.dumps()
            path = writable_path(self.root, relative)  # real folders inside the project, no link
            remove_leftovers(path)  # of a save killed half-way; saves are serialised by the lock
            atomic_write(path, data)
        except BaseException as exc:
            self._files.pop(relative, None)
            self._clean.pop(relative, None)
            if isinstance(exc, OSError):
                raise ProjectError(
                    f"cannot write {relative}: {exc.strerror or exc}; the file on disk is unchanged"
                ) from None
            raise
        self._files[relative] = _CachedFile(_digest(data), answers)

    def write_file(self, relative: str, data: bytes) -> None:
        """Atomically replace one of the project's non-answer files (form.toml)."""
        from .atomic import atomic_write
        from .repostate import require_committable

        require_committable(self.repo_root, unmerged=False)
        try:
            atomic_write(writable_path(self.root, relative), data)
        except OSError as exc:
            raise ProjectError(f"cannot write {relative}: {exc.strerror or exc}; the file on disk is unchanged") from None

    def commit_files(self, files: list[str], message: str) -> SaveResult:
        """Commit exactly these project files (the caller holds the lock) with `message`."""
        from .repostate import require_committable

        require_committable(self.repo_root, unmerged=False)
        author = self.author or self.identity()
        if author is None:
            return SaveResult(commit_error=no_identity_error())
        try:
            commit = GitRepo(self.repo_root).commit_only([self.repo_path(f) for f in files], message, author)
        except CommitError as exc:
            return SaveResult(commit_error=exc)
        self._committed = None  # re-read the baseline from the new HEAD when next needed
        self._clean.clear()
        return SaveResult(commit=commit)

    def uncommitted(self) -> list[Change]:
        """Entries that differ from the last commit, in form order."""
        with self._guard:
            return [change for _, change in self._pending_changes()]

    def _pending_changes(self) -> list[tuple[str, Change]]:
        from .commitmessage import Change

        committed = self._committed_entries()
        changes: list[tuple[str, Change]] = []
        for relative in self.answer_files():
            answers = self._read(relative)
            cached = self._files.get(relative)
            if cached is not None and self._clean.get(relative) == cached.fingerprint:
                continue
            now = answers.entries() if answers else {}
            before = committed.get(relative, {})
            found = len(changes)
            for qid in dict.fromkeys([*now, *before]):
                old, new = before.get(qid, EMPTY), now.get(qid, EMPTY)
                if old != new:
                    changes.append((relative, Change(qid, old, new)))
            if len(changes) == found and cached is not None:
                self._clean[relative] = cached.fingerprint
        order = {q.id: i for i, q in enumerate(self.form.questions)}
        changes.sort(key=lambda item: order.get(item[1].question_id, len(order)))
        return changes

    def read_ahead(self, identity: bool = False) -> None:
        """Start the git reads a save or `uncommitted` will wait for: HEAD's answer files and,
        with `identity`, git's user.name and user.email (when nothing else names the author).
        They run while the caller does other work (`mlreq answer` checks the repository,
        `mlreq status` counts); a read is used only if HEAD is still the commit it read, and
        `stop_reading_ahead` waits for what was not used."""
        with self._guard:
            repo = GitRepo(self.repo_root)
            head = repo.head_from_files()  # else (a packed ref, say) the read waits for its turn
            if self._head_ahead is None and self._committed is None and head is not None:
                try:
                    paths = self._committed_paths()
                except (ProjectFileError, OSError):
                    paths = []  # reported where the files are read, in its turn
                if paths and self._remembered_head(head, paths) is None:
                    self._head_ahead = (head, paths, repo.start_read_files(head, paths))
            if identity and self._identity_ahead is None and self.author is None and _identity_from_env() is None:
                self._identity_ahead = repo.start(*IDENTITY_QUERY)

    def stop_reading_ahead(self) -> None:
        """Wait for the reads `read_ahead` started and nothing used (they only read: each
        ends by itself), so that no git process outlives the command."""
        with self._guard:
            ahead, self._head_ahead = self._head_ahead, None
            started, self._identity_ahead = self._identity_ahead, None
        for wait in ((ahead[2].output,) if ahead else ()) + ((started.finished,) if started else ()):
            _ended(wait)

    def _remembered_head(self, head: str, paths: list[str]) -> tuple[dict[str, bytes | None], dict[str, str | None]] | None:
        """HEAD's files as the work tree holds them, when headfiles remembers HEAD and every
        answer file's bytes are its blob there (mlreq.toml only needs to be there or not)."""
        from . import headfiles  # here: `mlreq show` reads no HEAD

        if not headfiles.usable(self.repo_root):
            return None
        ids = headfiles.load(head)
        if ids is None or sorted(ids) != sorted(paths):
            return None
        blobs: dict[str, bytes | None] = {}
        for relative in (*self.answer_files(), PROJECT_FILE):
            path = self.repo_path(relative)
            if ids[path] is None:
                blobs[path] = None
                continue
            try:
                data = read_project_file(self.root, relative)
            except (OSError, MlreqError):
                return None
            if relative != PROJECT_FILE and headfiles.blob_id(data) != ids[path]:
                return None  # changed since HEAD: git says what HEAD holds
            blobs[path] = data
        return blobs, ids

    def _remember_commit(self, commit: str, parent: str | None, files: list[str]) -> None:
        """headfiles' entry for mlreq's own commit: `git commit --only` kept the parent's other
        files (the reflog says the parent is the HEAD read), and the index holds each committed
        file as the blob of the bytes written. Anything else: nothing is remembered."""
        from . import headfiles

        ids, self._head_ids = self._head_ids, None
        if ids is None or parent is None or headfiles.parent_in_reflog(self.repo_root, commit) != parent:
            return
        from .gitindex import index_entries

        entries = index_entries(self.repo_root)
        if entries is None:
            return
        staged = {path: object_id for path, stage, object_id in entries if stage == 0}
        ids = dict(ids)
        for relative in files:
            path = self.repo_path(relative)
            if path not in ids:
                continue  # form.toml, requirements.toml: not remembered
            try:
                data = read_project_file(self.root, relative)
            except (OSError, MlreqError):
                return
            if staged.get(path) != headfiles.blob_id(data):
                return
            ids[path] = staged[path]
        self._head_ids = ids
        headfiles.store(commit, ids)

    def _committed_paths(self) -> list[str]:
        return [self.repo_path(f) for f in (*self.answer_files(), PROJECT_FILE)]

    def _committed_entries(self) -> dict[str, dict[str, Entry]]:
        repo = GitRepo(self.repo_root)
        head = repo.head_id()
        if self._committed is None or head != self._committed_head:
            files = self.answer_files()
            paths = self._committed_paths()
            ahead, self._head_ahead = self._head_ahead, None
            remembered = self._remembered_head(head, paths) if head else None
            if remembered is not None:  # the work tree is HEAD's, as headfiles remembers it: no git
                blobs, self._head_ids = remembered
            elif ahead is not None and ahead[:2] == (head, paths):
                blobs, ahead = repo.files_read(ahead[2]), None
            else:
                blobs = repo.read_files(head, paths) if head else {}
            if ahead is not None:  # not needed, or HEAD moved since: that read is of no use
                _ended(ahead[2].output)
            if remembered is None:
                from . import headfiles

                self._head_ids = None
                if head is not None and headfiles.usable(self.repo_root):
                    self._head_ids = {path: None if blobs.get(path) is None else headfiles.blob_id(blobs[path]) for path in paths}  # type: ignore[arg-type]
                    headfiles.store(head, self._head_ids)
            committed: dict[str, dict[str, Entry]] = {}
            for relative in files:
                blob = blobs.get(self.repo_path(relative))
                if blob is not None:
                    try:
                        # Usually the very bytes in the work tree, whose parse the cache holds.
                        committed[relative] = AnswerFile.parse(self.path_of(relative), blob, f"HEAD:{relative}", cached=True).entries()
                    except ProjectFileError:
                        committed[relative] = {}
            self._committed, self._committed_head = committed, head
            self._clean.clear()
            self._unborn = blobs.get(self.repo_path(PROJECT_FILE)) is None
        return self._committed

    def _commit_locked(
        self,
        changed: tuple[str, ...],
        when: datetime | None = None,
        restored: dict[str, Restoration] | None = None,
        minor: tuple[str, ...] = (),
        subject: str | None = None,
    ) -> SaveResult:
        from .commitmessage import commit_message, creation_message

        try:
            pending = self._pending_changes()
        except CommitError as exc:
            return SaveResult(changed=changed, commit_error=exc)
        except GitReadError as exc:
            return SaveResult(changed=changed, commit_error=CommitError(f"saved on disk but not committed: {exc}"))
        except ProjectFileError as exc:
            if not changed:
                raise
            # Another answer file is broken: this change is safe on disk, say so (exit 5).
            return SaveResult(changed=changed, commit_error=CommitError(f"saved on disk but not committed: {exc}"))
        if not pending and not self._unborn:
            return SaveResult(changed=changed)
        author = self.author or self.identity()
        undone = self._undone_run(pending)
        withdrawn = self._withdraw_run_flags() if undone else ()
        answer_changes = self._answer_changes(pending, minor)
        flagged, further = self._flag_dependents(answer_changes, author.name if author else "unknown author", when)
        if flagged or withdrawn:
            pending = self._pending_changes()
        suspects: tuple[str, ...] = ()
        cleared: tuple[str, ...] = ()
        if os.path.lexists(self.path_of(REQUIREMENTS_FILE)):  # else nothing to flag, nor to import
            from .requirements import flag_requirements, unflag_requirements

            try:  # requirements written from a changed answer: needs-review, in this same commit
                if undone and self._run_requirement_flags:
                    cleared, self._run_requirement_flags = unflag_requirements(self, self._run_requirement_flags), {}
                in_run = self._edit_run is not None and any(c.question_id == self._edit_run[0] for c in answer_changes)
                record = self._run_requirement_flags if in_run else None
                suspects = flag_requirements(self, answer_changes, author.name if author else "unknown author", when, record)
            except CommitError as exc:
                return SaveResult(changed=changed, commit_error=exc, flagged=flagged)
        if author is None:
            return SaveResult(changed=changed, commit_error=no_identity_error(), flagged=flagged, may_be_affected=further)
        files = sorted({relative for relative, _ in pending})
        minor_changes = tuple(qid for qid in minor if any(c.question_id == qid for _, c in pending))
        message = commit_message([change for _, change in pending], self.form, flagged, restored, minor_changes, subject, withdrawn) if pending else ""
        if suspects or cleared:
            from .requirements import with_requirement_flags

            files, message = sorted({*files, REQUIREMENTS_FILE}), with_requirement_flags(message, suspects, cleared)
        if self._unborn:  # commit what creating the project could not, with this change
            project_files = (PROJECT_FILE, FORM_FILE, ".gitignore", ".gitattributes", *self.answer_files())
            files = sorted({*files, *(f for f in project_files if self.path_of(f).exists())})
            details = message.partition("\n\n")[2]  # the questions' lines and trailers, if any
            message = creation_message(self.name, self.form, self.form.id or FORM_FILE) + ("\n" + details if details else "")
        try:
            commit = GitRepo(self.repo_root).commit_only([self.repo_path(f) for f in files], message, author, when)
        except CommitError as exc:
            return SaveResult(changed=changed, commit_error=exc, flagged=flagged, may_be_affected=further)
        committed = self._committed if self._committed is not None else {}
        for relative in files:
            if relative in (PROJECT_FILE, FORM_FILE, ".gitignore", ".gitattributes", REQUIREMENTS_FILE):
                continue
            answers = self._read(relative)
            committed[relative] = answers.entries() if answers else {}
            if relative in self._files:
                self._clean[relative] = self._files[relative].fingerprint
        parent, self._committed_head, self._unborn = self._committed_head, commit, False
        self._remember_commit(commit, parent, files)
        return SaveResult(
            changed=changed, commit=commit, committed=tuple(c.question_id for _, c in pending), flagged=flagged,
            may_be_affected=further, withdrawn=withdrawn,
        )

    def _undone_run(self, pending: list[tuple[str, Change]]) -> bool:
        """Whether this save brings the run's answer back to the meaning it began from while
        the run has flags set: a slip that autosaved and was undone leaves no doubt behind."""
        from .impact import same_meaning

        run = self._edit_run
        if run is None or not (self._run_flags or self._run_requirement_flags):
            return False
        change = next((c for _, c in pending if c.question_id == run[0] and "answer" in c.fields), None)
        return change is not None and same_meaning(run[1], change.after.answer)

    def _withdraw_run_flags(self) -> tuple[str, ...]:
        """Put back the dependents this run flagged. A dependent touched since its flag
        (edited, confirmed) stays as it is."""
        entries = self.entries()
        back = {qid: before for qid, (before, flagged) in self._run_flags.items() if entries.get(qid) == flagged}
        self._run_flags = {}
        self._write_entries(back)
        return tuple(back)

    def _write_entries(self, wanted: dict[str, Entry]) -> None:
        """Write entries of any stages to their files (one write per file)."""
        by_file: dict[str, list[str]] = {}
        for qid in wanted:
            question = self.form.question(qid)
            if question is not None:
                by_file.setdefault(self.file_of(question), []).append(qid)
        for relative, ids in by_file.items():
            answers = self._read(relative)
            if answers is None:
                continue
            self._write(relative, answers, {qid: wanted[qid] for qid in ids})

    def _answer_changes(self, pending: list[tuple[str, Change]], minor: tuple[str, ...] = ()) -> list[AnswerChange]:
        """The answers `pending` changes, each compared with where its run of saves began
        (so the autosaves of a first answer stay a first answer); `minor` ones left out."""
        from .impact import AnswerChange

        changes = []
        for _, change in pending:
            qid = change.question_id
            if "answer" not in change.fields or qid in minor:
                continue
            before = self._edit_run[1] if self._edit_run and self._edit_run[0] == qid else change.before.answer
            changes.append(AnswerChange(qid, before, change.after.answer))
        return changes

    def _flag_dependents(
        self, changes: list[AnswerChange], author: str, when: datetime | None
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Mark the answered direct dependents of changed answers needs-review.

        Returns the flagged ids and the answered ones further down (not flagged).
        """
        from .impact import flags_for, may_be_affected

        if not any(change.flags and self.form.dependents_of(change.question_id) for change in changes):
            return (), ()
        entries = self.entries()
        settled = self._settled_at_last_iteration(changes, entries)
        flags = flags_for(self.form, changes, entries, author, when, settled)
        further = tuple(q for q in may_be_affected(self.form, changes, entries) if q not in flags)
        if self._edit_run is not None and any(c.question_id == self._edit_run[0] for c in changes):
            for qid, entry in flags.items():
                self._run_flags.setdefault(qid, (entries.get(qid, EMPTY), entry))
        self._write_entries(flags)
        return tuple(flags), further

    def _settled_at_last_iteration(self, changes: list[AnswerChange], entries: dict[str, Entry]) -> frozenset[str]:
        """Direct dependents of first answers that the last iteration already held, with
        the same meaning as now: only those does a first answer flag (impact's rules).

        Read from git only when a first answer has answered dependents (one for-each-ref,
        one cat-file); an unreadable history settles nothing (no flag rather than a wrong one).
        """
        wanted = {
            qid
            for change in changes
            if change.first
            for qid in self.form.dependents_of(change.question_id)
            if entries.get(qid, EMPTY).answered
        }
        if not wanted:
            return frozenset()
        from .history import History, _entry_in  # history imports this module
        from .impact import same_meaning

        try:
            history = History(self)
            iteration = history.current_iteration()
            if iteration is None:
                return frozenset()
            paths = {qid: self.repo_path(self.file_of(self.form.question(qid))) for qid in wanted}
            blobs = history.repo.read_files(iteration.commit, sorted(set(paths.values())))
        except (MlreqError, OSError):
            return frozenset()
        settled = set()
        for qid, path in paths.items():
            then = _entry_in(blobs.get(path), qid)
            if then is not None and then.answered and same_meaning(then.answer, entries[qid].answer):
                settled.add(qid)
        return frozenset(settled)

    def identity(self) -> Identity | None:
        """The author for commits: MLREQ_AUTHOR, git's environment, then git config."""
        from_env = _identity_from_env()
        if from_env:
            return from_env
        started, self._identity_ahead = self._identity_ahead, None
        self.author = GitRepo(self.repo_root).configured_identity(started)
        return self.author

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One saver at a time across processes, so no commit is orphaned by a race."""
        from .projectlock import project_lock

        check_folder(self.root, STATE_DIR)  # a committed link named .mlreq must not take the lock outside
        with project_lock(self.root / STATE_DIR, self.repo_root, self.on_lock_wait):
            yield


def _ended(wait: Callable[[], object]) -> None:
    """Wait for a git read nobody needs any more; whatever it says does not matter."""
    try:
        wait()
    except MlreqError:
        pass


def _identity_from_env() -> Identity | None:
    from_env = Identity.parse(os.environ.get("MLREQ_AUTHOR", ""))
    if from_env:
        return from_env
    name, email = os.environ.get("GIT_AUTHOR_NAME"), os.environ.get("GIT_AUTHOR_EMAIL")
    if name and email:
        return Identity(name, email)
    return None


def _digest(data: bytes) -> bytes:
    return blake2b(data, digest_size=16).digest()


def no_identity_error() -> NoIdentityError:
    return NoIdentityError(
        "saved on disk but not committed: git does not know who you are; run "
        "`git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`, "
        "or pass --author \"Name <mail>\" (or set MLREQ_AUTHOR); the next save commits it"
    )


def next_entry(
    current: Entry, answer: str | None, status: str | None, notes: str | None, agreed_by: tuple[str, ...] | None = None
) -> Entry:
    """Apply the requested changes; typing into an open question makes it a draft.

    Editing a flagged answer, or setting its status, settles the review. The roles that
    agreed stay while the answer is agreed or flagged (confirming it restores them) and go
    with any other status.
    """
    entry = current.with_changes(answer=answer, notes=notes, status=status, agreed_by=agreed_by)
    if current.status == "needs-review" and (status is not None or (answer is not None and answer != current.answer)):
        entry = entry.with_changes(review="", status=status or "draft")
    if current.conflict and answer is not None:
        entry = entry.with_changes(conflict="")  # the text saved is the resolution
    if status is None and answer is not None:
        if entry.answered and entry.status == "open":
            entry = entry.with_changes(status="draft")
        elif not entry.answered and entry.status == "draft":
            entry = entry.with_changes(status="open")
    if entry.agreed_by and entry.status not in ("agreed", "needs-review"):
        entry = entry.with_changes(agreed_by=())
    return entry


def _header(project: Project, stage_id: str) -> str:
    stage = project.form.stage(stage_id)
    label = stage.name if stage else stage_id
    return (
        f"{label}: answers of \"{project.name}\" (MLOps Requirements Form).\n"
        "One table per question; edit freely, mlreq keeps your comments and layout.\n"
        "status is one of: open, draft, agreed, needs-review."
    )


def now_utc() -> datetime:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(microsecond=0)


def project_settings_text(name: str, form_source: str) -> str:
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment("mlreq project settings"))
    table = tomlkit.table()
    table.add("name", name)
    table.add("form", form_source)
    table.add("created", now_utc())
    table.add("schema", 1)
    document.add("project", table)
    return tomlkit.dumps(document)


def _read_form(root: Path) -> Form:
    try:
        form = form_from_data(read_project_toml(root, FORM_FILE), root / FORM_FILE)
    except BankError as exc:
        raise ProjectFileError(str(exc)) from None
    for stage in form.stages:
        answers_file(stage.id)  # refuses a stage id that would name a file outside answers/
    return form
