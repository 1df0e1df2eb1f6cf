"""How the requirements evolved: iterations (annotated tags), the log, diffs, timelines.

Reading history costs a fixed handful of git processes whatever its length: one
`git log` (the questions a commit touched come from its `Mlreq-Question:` trailers, not
from diffing it), one `for-each-ref` for iterations, one `cat-file --batch` for file
contents. User strings never reach git as options: revisions are resolved to hashes
first, behind `--end-of-options`, and anything starting with "-" is refused.
"""

from __future__ import annotations

import re
from collections import namedtuple

from mlreq.bank import form_from_data
from mlreq.bank.errors import MlreqError

from .answerread import read_answers
from .answers import EMPTY, Entry, entry_from_table
from .errors import InvalidInputError, ProjectError
from .gitrepo import GitRepo, GitStream, ObjectReader, command_timeout, git_dir, tree_entries
from .layout import ANSWERS_DIR, FORM_FILE
from .logwalk import QUESTION_TRAILER as TRAILER
from .logwalk import REQUIREMENT_TRAILER, TimelineRead, iteration_refs_arguments, start_walk, tag_prefix_of

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start)
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

    from mlreq.bank import Form, Question

    from .commitmessage import Restoration
    from .logwalk import DiffReads
    from .project import Project
    from .semdiff import ProjectDiff, Snapshot

# semdiff (word diffs), rangecache (JSON) and commit messages are imported by the reads
# that use them: `mlreq log` needs none of them. So are tomllib (only for a file mlreq's
# own shape does not cover), datetime and threading (diffs by date, a diff's range walk).

ITERATION_TRAILER = "Mlreq-Iteration"
NOW = "now"
_FIELD, _RECORD = "\x1f", "\x1e"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][0-9:]+([+-]\d{2}:?\d{2}|Z)?)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PLAIN_NAME = re.compile(r'[\x20\x21\x23-\x5b\x5d-\x7e]+')
"""A file name `git ls-tree` prints unquoted (printable ASCII but `"` and `\\`); others were never read."""


_READ_FORMS: dict[bytes, Form] = {}
"""Question sets read from git in this process, by their bytes: parsing form.toml was a
third of a diff, and the history view diffs the same few versions again and again."""


class RevisionError(InvalidInputError):
    title = "Unknown revision"


class Iteration(namedtuple("Iteration", "name tag commit date note", defaults=("",))):
    """A named milestone: an annotated tag on the commit it marks (named tuples here: see semdiff)."""

    __slots__ = ()


LogEntry = namedtuple("LogEntry", "commit author email date subject questions requirements", defaults=((),))
"""One saved change: commit, author, email, date, subject, questions (`Mlreq-Question:`
trailers) and requirements (those it changed or flagged: `Mlreq-Requirement:` trailers).
A named tuple: a log makes 10,000 of them, a frozen dataclass took longer to build them
than git took to walk (collections', not typing's: `typing` costs every start ~3 ms)."""


class LogGroup(namedtuple("LogGroup", "iteration entries")):
    """The saves (LogEntries) that led up to an iteration (or, with iteration None, the work since the last)."""

    __slots__ = ()


class Version(namedtuple("Version", "commit author date entry merged", defaults=(False,))):
    """One version of one answer in its timeline; merged: made by merging another line of
    work (`mlreq sync`), the version came from there."""

    __slots__ = ()


def slugify(name: str) -> str:
    """A readable, ASCII, ref-safe form of an iteration name ("Kick-off workshop" -> kick-off-workshop)."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60]


class History:
    """Read-mostly access to a project's past; creates iterations."""

    def __init__(self, project: Project, started: DiffReads | None = None) -> None:
        """`started`: `mlreq diff`'s first reads begun before the project was read
        (`logwalk.start_diff_reads_at`), taken if they read this project's repository and
        iterations, else stopped."""
        self.project = project
        self.repo = GitRepo(project.repo_root)
        prefix = project.repo_path(".")
        self.scope = "" if prefix in (".", "") else prefix
        """The project's folder relative to the repository root ("" when it is the root)."""
        self._iterations: list[Iteration] | None = None
        self._untrusted: dict[tuple[str, str], list[str]] = {}
        """Hand-made commits between two commits, by (old, new): the history view diffs often."""
        self.tag_prefix = tag_prefix_of(self.scope)
        self._started = started if started is not None and started.key == (self.repo.root, self.tag_prefix) else None
        if started is not None and self._started is None:
            started.stop()

    # ------------------------------------------------------------------ iterations

    def iterations(self) -> list[Iteration]:
        """Oldest first (read once per History; creating an iteration re-reads them)."""
        if self._iterations is None:
            self._iterations = self._read_iterations()
        return list(self._iterations)

    def _read_iterations(self) -> list[Iteration]:
        started = self._started.take_refs() if self._started is not None else None
        _, out, _ = (started or self.repo.start(*iteration_refs_arguments(self.tag_prefix))).result()
        found = []
        for record in out.split(_RECORD):
            parts = record.strip("\n").split(_FIELD)
            if len(parts) != 5:
                continue
            tag, peeled, target, date, contents = parts
            if tag.count("/") != self.tag_prefix.count("/"):
                continue  # another project's iterations in a nested namespace
            name, note = _parse_tag_message(contents, tag)
            found.append(Iteration(name=name, tag=tag, commit=peeled or target, date=date, note=note))
        return found

    def create_iteration(self, name: str, note: str = "", when: datetime | None = None) -> Iteration:
        """Tag the project's last save; `when` backdates the tag (the demo's history)."""
        name = name.strip()
        _check_iteration_name(name)
        if _CONTROL.search(note.replace("\n", "").replace("\t", "")):
            raise InvalidInputError("the iteration note may not contain control characters")
        iterations = self.iterations()
        slug = slugify(name)
        if not slug:  # nothing ASCII to keep ("ワークショップ"): the first free number
            taken = {i.tag for i in iterations}
            number = len(iterations) + 1
            while f"{self.tag_prefix}iteration-{number}" in taken:
                number += 1
            slug = f"iteration-{number}"
        tag = self.tag_prefix + slug
        for existing in iterations:
            if existing.tag == tag or existing.name.casefold() == name.casefold():
                raise InvalidInputError(
                    f"iteration {existing.name!r} already exists (tag {existing.tag}, {existing.date[:10]}); choose another name"
                )
        result = self.project.commit_pending()  # the milestone includes every saved answer
        if result.commit_error is not None:
            raise result.commit_error
        head = self.repo.head_id()
        if head is None:
            raise ProjectError("nothing committed yet: answer a question first")
        if self.scope:  # in a larger repository, HEAD may be someone's code commit: mark the project's last save
            _, out, _ = self.repo.run("rev-list", "-1", head, "--", self.scope, check=False)
            head = out.strip() or head
        message = f"{name}\n\n{note.strip()}\n\n{ITERATION_TRAILER}: {name}\n" if note.strip() else f"{name}\n\n{ITERATION_TRAILER}: {name}\n"
        author = self.project.author or self.project.identity()
        if author is None:  # git would only say "Committer identity unknown"
            raise ProjectError(
                "git does not know who you are, so no iteration was made; run `git config --global user.name "
                '"Your Name"` and `git config --global user.email you@example.com`, or pass --author "Name <mail>"'
            )
        env = {"GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email}
        env.update({"GIT_COMMITTER_DATE": when.isoformat()} if when else _after_latest(iterations))
        self.repo.run(
            "-c", "tag.gpgSign=false", "tag", "--annotate", "--cleanup=whitespace", "-m", message, "--end-of-options", tag, head, env=env
        )
        self._iterations = None
        return next(i for i in self.iterations() if i.tag == tag)

    def find_iteration(self, name: str) -> Iteration:
        """The iteration called `name` (its name, tag or slug); an unknown name is refused
        with one line listing the names there are."""
        wanted = name.strip().casefold()
        iterations = self.iterations()
        for iteration in iterations:
            if wanted in (iteration.name.casefold(), iteration.tag.casefold(), slugify(iteration.name)):
                return iteration
        names = ", ".join(repr(i.name) for i in iterations) if iterations else "none yet"
        raise InvalidInputError(f"no iteration {name!r}; the iterations are: {names}")

    def rename_iteration(self, old: str, new: str) -> Iteration:
        """Give an iteration a new name: a new annotated tag on the same commit, with the
        same note and date, then the old tag removed. Nothing changes if the new name is taken."""
        iteration = self.find_iteration(old)
        new = new.strip()
        _check_iteration_name(new)
        tag = self.tag_prefix + (slugify(new) or iteration.tag.rsplit("/", 1)[-1])
        for existing in self.iterations():
            if existing.tag == iteration.tag:
                continue
            if existing.tag == tag or existing.name.casefold() == new.casefold():
                raise InvalidInputError(f"iteration {existing.name!r} already exists (tag {existing.tag}); nothing was renamed")
        if tag != iteration.tag and self.repo.run("rev-parse", "--verify", "--quiet", f"refs/tags/{tag}", check=False)[0] == 0:
            raise InvalidInputError(f"a tag {tag!r} already exists in this repository; choose another name, nothing was renamed")
        _, tagger, _ = self.repo.run("for-each-ref", "--format=%(taggername)%00%(taggeremail)%00%(taggerdate:raw)", f"refs/tags/{iteration.tag}")
        name, email, date = (tagger.strip().split("\0") + ["", "", ""])[:3]
        message = f"{new}\n\n{iteration.note}\n\n{ITERATION_TRAILER}: {new}\n" if iteration.note else f"{new}\n\n{ITERATION_TRAILER}: {new}\n"
        env = {"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.strip("<>"), "GIT_COMMITTER_DATE": f"@{date}"} if name else {}
        force = ["--force"] if tag == iteration.tag else []  # same slug, new spelling ("Review 2" -> "review 2")
        self.repo.run(
            "-c", "tag.gpgSign=false", "tag", *force, "--annotate", "--cleanup=whitespace", "-m", message,
            "--end-of-options", tag, iteration.commit, env=env,
        )
        if tag != iteration.tag:
            self.repo.run("tag", "--delete", "--end-of-options", iteration.tag)
        self._iterations = None
        return next(i for i in self.iterations() if i.tag == tag)

    def delete_iteration(self, name: str) -> Iteration:
        """Remove an iteration's tag; the commits it marked, and every save, stay."""
        iteration = self.find_iteration(name)
        self.repo.run("tag", "--delete", "--end-of-options", iteration.tag)
        self._iterations = None
        return iteration

    def restoration(self, commit: str, until: str | None = None) -> Restoration:
        """Describe a version of an answer found at `commit` for the restore's commit message:
        its date and the iterations that held it (those containing `commit` but not `until`,
        the next version's commit)."""
        fmt = "--format=%(refname)"
        args = ["for-each-ref", fmt, "--contains", commit, *(["--no-contains", until] if until else []), f"refs/tags/{self.tag_prefix}"]
        status, out, _ = self.repo.run(*args, check=False)
        tags = {line.strip().removeprefix("refs/tags/") for line in out.splitlines()} if status == 0 else set()
        names = tuple(i.name for i in self.iterations() if i.tag in tags)
        _, date, _ = self.repo.run("log", "-1", "--format=%aI", commit, "--", check=False)
        from .commitmessage import Restoration

        return Restoration(commit, date.strip(), names)

    def restoration_at(self, revision: str) -> Restoration:
        """Describe `revision` (an iteration, a commit, a date) as the source of a restore:
        an iteration named as such keeps its name; otherwise the iterations on that commit."""
        commit = self.resolve(revision)
        named = [i.name for i in self.iterations() if revision.strip().casefold() in (i.name.casefold(), i.tag.casefold(), slugify(i.name))]
        on_commit = [i.name for i in self.iterations() if i.commit == commit and i.name not in named]
        _, date, _ = self.repo.run("log", "-1", "--format=%aI", commit, "--", check=False)
        from .commitmessage import Restoration

        return Restoration(commit, date.strip(), tuple(named + on_commit))

    def current_iteration(self) -> Iteration | None:
        iterations = self.iterations()
        return iterations[-1] if iterations else None

    # ------------------------------------------------------------------ log

    def log(self, question_id: str | None = None, limit: int | None = None, walk: GitStream | None = None) -> list[LogEntry]:
        """Saves touching the project, newest first; with a question, only those naming it.
        `walk` is the same `git log` started earlier (`logwalk.start_walk_at`), used if it
        is this project's."""
        if question_id:
            self.project.question(question_id)  # an unknown id is refused with a suggestion
        if walk is None or walk.key != (self.repo.root, self.scope, limit):
            if walk is not None:
                walk.stop()
            walk = start_walk(self.repo.root, self.scope, limit)
        entries = []
        with walk:
            rest = ""
            for piece in walk.pieces():  # records are read while git walks to the older ones
                *records, rest = (rest + piece).split(_RECORD)
                for record in records:
                    parts = record.strip("\n").split(_FIELD)
                    if len(parts) != 7:
                        continue
                    trailers = parts[5]
                    if "," in trailers or trailers != trailers.strip():
                        parts[5] = tuple(q.strip() for q in trailers.split(",") if q.strip())
                    else:  # one question, the usual save
                        parts[5] = (trailers,) if trailers else ()
                    if question_id and question_id not in parts[5]:
                        continue
                    parts[6] = _names(parts[6]) if parts[6] else ()
                    entries.append(LogEntry(*parts))
            status, err = walk.finish()
        if status != 0:
            if "does not have any commits" in err or "bad default revision" in err:
                return []
            if walk.timed_out:
                raise ProjectError(f"git log timed out after {command_timeout():g}s and was stopped")
            raise ProjectError(f"git log failed: {err.strip().splitlines()[0] if err.strip() else status}")
        return entries

    def grouped_log(self, question_id: str | None = None, limit: int | None = None, walk: GitStream | None = None) -> list[LogGroup]:
        """Saves grouped under the iteration they led up to; newest group first.

        With `limit`, only the newest saves: enough for a first screen of a long history.
        """
        log = self.log(question_id, limit=limit, walk=walk)
        by_commit: dict[str, list[Iteration]] = {}
        for iteration in self.iterations():
            by_commit.setdefault(iteration.commit, []).append(iteration)
        groups: list[LogGroup] = []
        pending: list[LogEntry] = []
        all_saves = log if not question_id else self.log(limit=limit)
        wanted = {entry.commit for entry in log}
        for entry in reversed(all_saves):  # oldest first
            if entry.commit in wanted:
                pending.append(entry)
            for iteration in by_commit.get(entry.commit, []):
                groups.append(LogGroup(iteration, tuple(reversed(pending))))
                pending = []
        groups.append(LogGroup(None, tuple(reversed(pending))))
        return list(reversed(groups))

    # ------------------------------------------------------------------ revisions

    def resolve(self, revision: str) -> str:
        """A commit hash for an iteration name, a tag, a commit-ish or a date."""
        revision = revision.strip()
        if not revision:
            raise RevisionError("empty revision")
        iterations = self.iterations()
        for iteration in iterations:  # matched here, never given to git: "-rf" may name one
            if revision.casefold() in (iteration.name.casefold(), iteration.tag.casefold(), slugify(iteration.name)):
                return iteration.commit
        if revision.startswith("-"):
            raise RevisionError(f"{revision!r} is not a revision (it looks like an option)")
        if _DATE.match(revision):
            return self._at_date(revision)
        status, out, _ = self.repo.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}", check=False
        )
        if status == 0 and out.strip():
            return out.strip()
        names = [i.name for i in iterations]
        import difflib  # only for a mistyped name

        close = difflib.get_close_matches(revision, names, n=2, cutoff=0.4)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        latest = ", ".join(repr(n) for n in names[-5:])
        known = f" (iterations: {'…, ' if len(names) > 5 else ''}{latest})" if names and not close else ""
        raise RevisionError(f"unknown revision or iteration {revision!r}{hint}{known}{self._shallow_hint()}")

    def _shallow_hint(self) -> str:
        if not (git_dir(self.repo.root) / "shallow").exists():
            return ""
        return "; this is a shallow clone, so older history is not here (`git fetch --unshallow` brings it)"

    def _at_date(self, text: str) -> str:
        from datetime import datetime, timedelta

        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise RevisionError(f"{text!r}: not a date (use YYYY-MM-DD or an ISO date and time)") from None
        if len(text) == 10:
            moment += timedelta(days=1)  # a day means the state at its end
        status, out, _ = self.repo.run(
            "rev-list", "-1", f"--before={moment.isoformat()}", "HEAD", "--", self.scope or ".", check=False
        )
        if status != 0 or not out.strip():
            raise RevisionError(f"no saved state at or before {text}{self._shallow_hint()}")
        return out.strip()

    # ------------------------------------------------------------------ snapshots

    def snapshot(self, revision: str) -> Snapshot:
        """The project at `revision` ("now" is the files on disk, saved or not)."""
        if revision == NOW:
            questions = {q.id: q for q in self.project.form.questions}
            from .semdiff import Snapshot

            return Snapshot("now", None, questions, self.project.entries(), list(questions), form=self.project.form)
        commit = self.resolve(revision)
        return self.snapshot_of_commit(commit, revision)

    def snapshot_of_commit(self, commit: str, label: str) -> Snapshot:
        return self._snapshots_of_commits([(commit, label)])[0]

    def _snapshots_of_commits(self, wanted: list[tuple[str, str]]) -> list[Snapshot]:
        """Snapshots of (commit, label)s, read by one `cat-file --batch` in rounds: the
        question sets and the answer folders' trees of all commits, then every answer file
        not read yet; content found at several commits (the question set, mostly) is read
        and parsed once."""
        prefix = f"{self.scope}/" if self.scope else ""
        form_path, answers_dir = f"{prefix}{FORM_FILE}", f"{prefix}{ANSWERS_DIR}"
        contents: dict[str, bytes | None] = {}
        started = self._started.take_reader() if self._started is not None else None
        with started or ObjectReader(self.repo.root) as reader:
            # the project folder's own listing too: the blob ids of its other files (a diff's
            # requirements part compares requirements.toml's without a git process of its own)
            ends = reader.read([f"{commit}:{path}" for commit, _ in wanted for path in (form_path, answers_dir, self.scope)])
            listings: list[dict[str, str | None]] = []
            answer_files: list[dict[str, str | None]] = []
            folders: list[tuple[int, str, tuple[str, str, bytes] | None]] = []
            top_files: list[dict[str, str]] = []
            for index in range(len(wanted)):
                form, folder, top = ends[3 * index : 3 * index + 3]
                top_files.append(_blob_ids(top))
                form_blob = form[0] if form is not None and form[1] == "blob" else None
                if form is not None and form_blob is not None:
                    contents[form_blob] = form[2]
                listings.append({form_path: form_blob})
                answer_files.append({})
                folders.append((index, answers_dir, folder))
            while folders:  # the answer folder and any folders in it, as `ls-tree -r` lists them
                deeper: list[tuple[int, str, str]] = []
                for index, path, tree in folders:
                    if tree is None or tree[1] != "tree":
                        continue
                    for mode, name, object_id in tree_entries(tree[2], len(tree[0]) // 2):
                        if mode == "40000":
                            deeper.append((index, f"{path}/{name}", object_id))
                        elif name.endswith(".toml") and _PLAIN_NAME.fullmatch(name):  # git would quote the rest
                            answer_files[index][f"{path}/{name}"] = object_id if mode != "160000" else None
                folders = [(index, path, tree) for (index, path, _), tree in zip(deeper, reader.read([d[2] for d in deeper]))]
            unread = list(dict.fromkeys(b for files in answer_files for b in files.values() if b is not None and b not in contents))
            for blob_id, found in zip(unread, reader.read(unread)):
                contents[blob_id] = found[2] if found is not None and found[1] == "blob" else None
        for listing, files in zip(listings, answer_files):
            listing.update((path, files[path]) for path in sorted(files))
        known: dict[tuple[str, bytes], Any] = {}
        return [
            self._snapshot_of_files(commit, label, {path: contents.get(blob_id) if blob_id else None for path, blob_id in listing.items()}, known, top)
            for (commit, label), listing, top in zip(wanted, listings, top_files)
        ]

    def _snapshot_of_files(self, commit: str, label: str, blobs: dict[str, bytes | None], known: dict[tuple[str, bytes], Any],
                           files: dict[str, str] | None = None) -> Snapshot:
        """`known` keeps, by content, what was read well before: ("toml", bytes) -> data;
        `files` are the blob ids in the project's folder (name -> id)."""
        paths = list(blobs)
        errors: list[str] = []
        questions: dict[str, Question] = {}
        order: list[str] = []
        form = None
        entries: dict[str, Entry] = {}
        skipped: set[str] = set()
        short = commit[:10]
        for path in paths:
            blob = blobs.get(path)
            shown = f"{short}:{path}"
            if blob is None:
                if path.endswith(FORM_FILE):
                    errors.append(f"{shown}: missing")
                continue
            is_form = path.endswith(FORM_FILE) and not path.endswith(f"{ANSWERS_DIR}/{FORM_FILE}")
            if is_form and blob in _READ_FORMS:  # the same bytes read before in this process: the same question set
                form = _READ_FORMS[blob]
                questions = {q.id: q for q in form.questions}
                order = list(questions)
                continue
            data = known.get(("toml", blob))
            if data is None:  # problems are said anew for each commit: they name it
                data, problem = (_parsed_form if is_form else _parsed)(blob, shown)
                if data is None:
                    errors.append(f"{problem}; skipped")
                    skipped.add(path.rsplit("/", 1)[-1].removesuffix(".toml"))
                    continue
                known[("toml", blob)] = data
            if is_form:
                try:
                    form = form_from_data(data, shown)
                except MlreqError as exc:
                    errors.append(f"{exc}; question set skipped")
                    continue
                if len(_READ_FORMS) >= 4:  # a form is 40 KB: keep the few a history view moves between
                    _READ_FORMS.pop(next(iter(_READ_FORMS)))
                _READ_FORMS[blob] = form
                questions = {q.id: q for q in form.questions}
                order = list(questions)
                continue
            for qid, table in data.items():
                if isinstance(table, dict):
                    entries[qid] = entry_from_table(table)
        from .semdiff import Snapshot

        return Snapshot(label, commit, questions, entries, order, tuple(errors), form=form, skipped=frozenset(skipped), files=files)

    def default_from(self) -> str:
        """The last iteration's name, or the project's first save when there is none."""
        iterations = self.iterations()
        return iterations[-1].name if iterations else self.start_revision()

    def start_revision(self) -> str:
        """The project's first commit (its creation)."""
        _, out, _ = self.repo.run("rev-list", "--reverse", "HEAD", "--", self.scope or ".", check=False)
        first = out.split("\n", 1)[0].strip()
        if not first:
            raise RevisionError("the project has no saved history yet")
        return first

    def diff_of_commit(self, commit: str) -> ProjectDiff:
        """What one save changed: its parent (or nothing, for the first) against it."""
        from .semdiff import Snapshot, diff_snapshots

        status, out, _ = self.repo.run("rev-parse", "--verify", "--quiet", f"{commit}^1", check=False)
        parent = out.strip() if status == 0 else None
        if parent is None:
            return diff_snapshots(Snapshot("start", None, {}, {}, []), self.snapshot_of_commit(commit, commit[:10]))
        return diff_snapshots(*self._snapshots_of_commits([(parent, parent[:10]), (commit, commit[:10])]))

    def diff(self, old: str | None = None, new: str | None = None) -> ProjectDiff:
        """What changed from `old` to `new`, and which versions passed on the way cannot be read."""
        from .semdiff import diff_snapshots

        old, new = old or self.default_from(), new or NOW
        commits = [None if revision == NOW else self.resolve(revision) for revision in (old, new)]
        # The walk of the range is one git process: it runs while the two ends are read.
        untrusted: list[str] = []
        failed: list[MlreqError] = []

        def walk_range() -> None:
            try:
                untrusted.extend(self._untrusted_between(*commits))
            except MlreqError as exc:  # said by the caller's thread, like any other git failure
                failed.append(exc)

        import threading

        walk = threading.Thread(target=walk_range, daemon=True)
        walk.start()
        try:
            read = iter(self._snapshots_of_commits([(c, r) for c, r in zip(commits, (old, new)) if c is not None]))
            before, after = (self.snapshot(NOW) if c is None else next(read) for c in commits)
        finally:
            walk.join()
        if failed:
            raise failed[0]
        return diff_snapshots(before, after, passed=self._unreadable(untrusted, before, after))

    def unreadable_between(self, old: Snapshot, new: Snapshot) -> tuple[str, ...]:
        """Versions of the project's files between two snapshots that cannot be read."""
        return self._unreadable(self._untrusted_between(old.commit, new.commit), old, new)

    def _untrusted_between(self, old: str | None, new: str | None) -> list[str]:
        """Commits between two ends (not the ends), oldest first, that mlreq did not make.

        mlreq never commits a file it cannot read, so only commits without its
        `Mlreq-Question:` trailer (hand edits, merges, creation) need looking into.
        """
        if (old is None and new is None) or old == new:
            return []
        if old and new and (old, new) in self._untrusted:  # commits never change: neither does the range
            return self._untrusted[(old, new)]
        head = self.repo.head_id() if old is None or new is None else old  # two ids: no process to ask
        if head is None:
            return []
        ends = (old or head, new or head)
        # Kept on disk by commit ids; a shallow clone's range may still grow (`git fetch --unshallow`).
        keep = None not in ends and not (git_dir(self.repo.root) / "shallow").exists()
        from . import rangecache

        walked = rangecache.remembered(self.project.root, self.scope, *ends) if keep else None
        if walked is None:
            status, out, _ = self.repo.run(
                "log", "--format=%H", "--invert-grep", f"--grep=^{TRAILER}: ", f"{ends[0] or 'HEAD'}...{ends[1] or 'HEAD'}",
                "--", *([self.scope] if self.scope else []), check=False,
            )
            if status != 0:
                return []
            walked = out.split()
            if keep:
                rangecache.remember(self.project.root, self.scope, *ends, walked)
        found = [c for c in reversed(walked) if c not in (old, new)]
        if old and new:
            self._untrusted[(old, new)] = found
        return found

    def _unreadable(self, untrusted: list[str], old: Snapshot, new: Snapshot) -> tuple[str, ...]:
        stages = {stage.id for s in (old, new) if s.form for stage in s.form.stages}
        between = f"a version between {old.label} and {new.label}, not compared"
        return self.unreadable_at(untrusted, between, stages)

    def unreadable_at(self, untrusted: list[str], said: str = "skipped", stages: set[str] | frozenset[str] = frozenset()) -> tuple[str, ...]:
        """The versions of the project's files at `untrusted` commits (oldest first) that
        cannot be read, each as `commit:path[:line:col]: problem; said`."""
        if not untrusted:
            return ()
        files = [FORM_FILE, *self.project.answer_files(), *(f"{ANSWERS_DIR}/{stage}.toml" for stage in sorted(stages))]
        paths = list(dict.fromkeys(self.project.repo_path(f) for f in files))
        wanted = [(commit, path) for commit in untrusted for path in paths]
        seen: set[bytes] = set()
        problems: list[str] = []
        for (commit, path), blob in zip(wanted, self.repo.read_files_at(wanted)):
            if blob is None or blob in seen:
                continue  # the same bytes were checked at an earlier commit
            seen.add(blob)
            data, problem = _parsed(blob, f"{commit[:10]}:{path}")
            if data is not None and path.endswith(FORM_FILE) and not path.endswith(f"{ANSWERS_DIR}/{FORM_FILE}"):
                try:
                    form_from_data(data, f"{commit[:10]}:{path}")
                except MlreqError as exc:
                    problem = str(exc)
            if problem:
                problems.append(f"{problem}; {said}")
        return tuple(problems)

    def saves_between(self, old: Snapshot, new: Snapshot) -> list[LogEntry]:
        """The saves that lead from `old` to `new` (newest first): who changed what, when."""
        if old.commit is None:
            return []
        fields = ["%H", "%an", "%ae", "%aI", "%s", f"%(trailers:key={TRAILER},valueonly,separator=%x2c)", _REQUIREMENTS]
        status, out, _ = self.repo.run(
            "log", f"--format={_FIELD.join(fields)}{_RECORD}", f"{old.commit}..{new.commit or 'HEAD'}",
            "--", self.scope or ".", check=False,
        )
        entries = []
        for record in out.split(_RECORD) if status == 0 else []:
            parts = record.strip("\n").split(_FIELD)
            if len(parts) == 7:
                commit, author, email, date, subject, trailers, requirements = parts
                questions = tuple(q.strip() for q in trailers.split(",") if q.strip())
                entries.append(LogEntry(commit, author, email, date, subject, questions, _names(requirements)))
        return entries

    def commit_dates(self, *commits: str | None) -> dict[str, str]:
        """Author dates (ISO) of commits, in one git process."""
        wanted = [c for c in commits if c]
        if not wanted:
            return {}
        _, out, _ = self.repo.run("log", "--no-walk=unsorted", "--format=%H %aI", *wanted, check=False)
        return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)

    # ------------------------------------------------------------------ one answer

    def timeline(
        self, question_id: str, window: int | None = None, problems: list[str] | None = None, prefetch: TimelineRead | None = None,
    ) -> list[Version]:
        """Every distinct version of one answer, oldest first, with who and when.

        The versions are those the answer had on this line of work (git's first parents):
        work merged in from another clone shows as one version at its merge, marked
        `merged`, never as the other line's steps interleaved with this one's. Versions
        that cannot be read are skipped and, given `problems`, named there.
        With `window`, only versions among the newest `window` saves of its stage file:
        a first screen for a long history, in a fraction of the time. `prefetch` is the
        same reading started earlier (`logwalk.start_timeline_at`), used if it is this one's.
        """
        try:
            question = self.project.question(question_id)
        except BaseException:
            if prefetch is not None:  # an id the form does not know: nothing of it is read
                prefetch.stop()
            raise
        path = self.project.repo_path(self.project.file_of(question))
        if prefetch is None or prefetch.key != (self.repo.root, path, question_id, window):
            if prefetch is not None:  # read for another file or question: not this timeline
                prefetch.stop()
            prefetch = TimelineRead(self.repo.root, path, question_id, window)
        found = prefetch.result()
        from .gitrepo import blob_id as id_of
        from .timelinecache import keepable, save

        kept, learned = prefetch.cached, {}
        versions: list[Version] = []
        for commit, author, date, merged, untrusted, blob_id, blob in found:
            if blob is None:  # not there, or read by an earlier timeline (then, if a hand commit's, checked to read)
                record = kept.get(blob_id) if blob_id else None
                table = record[0] if record is not None and (record[1] or not untrusted) else None
            else:
                if untrusted:  # mlreq never commits a file it cannot read; others may
                    _, problem = _parsed(blob, f"{commit[:10]}:{path}")
                    if problem:
                        if problems is not None:
                            problems.append(f"{problem}; skipped")
                        continue
                table = _table_in(blob, question_id)
                if blob_id and (table is None or keepable(table)) and id_of(blob, blob_id) == blob_id:
                    known_to_read = (learned.get(blob_id) or kept.get(blob_id) or [None, False])[1]
                    learned[blob_id] = [table, untrusted or known_to_read]  # a hand commit's file was just checked
            entry = entry_from_table(table) if table is not None else None
            if entry is None or (not versions and entry == EMPTY):
                continue  # the blank entry a new project starts with is not a version
            if not versions or versions[-1].entry != entry:
                versions.append(Version(commit, author, date, entry, merged=merged))
        if learned:
            save(question_id, {**{k: v for k, v in kept.items() if k not in learned}, **learned})
        return versions

    def entry_at(self, question_id: str, revision: str) -> Entry:
        commit = self.resolve(revision)
        question = self.project.question(question_id)
        path = self.project.repo_path(self.project.file_of(question))
        entry = _entry_in(self.repo.read_files(commit, [path]).get(path), question_id)
        if entry is None:
            raise RevisionError(f"{question_id} has no saved entry at {revision}")
        return entry


_REQUIREMENTS = f"%(trailers:key={REQUIREMENT_TRAILER},valueonly,separator=%x2c)"


def _names(trailers: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.strip() for n in trailers.split(",") if n.strip()))


def _check_iteration_name(name: str) -> None:
    if not name or _CONTROL.search(name) or len(name) > 100:
        raise InvalidInputError("an iteration name must be 1-100 characters without control characters")
    if name.casefold() in (NOW, "head"):
        raise InvalidInputError(f"{name!r} already means something in `mlreq diff`; choose another iteration name")


def _after_latest(iterations: list[Iteration]) -> dict[str, str]:
    """A tagger date one second after the latest iteration when the clock has not moved past
    it, so iterations made within one second still list in the order they were made."""
    if not iterations:
        return {}
    import time
    from datetime import datetime

    latest = max(datetime.fromisoformat(i.date) for i in iterations)
    if int(time.time()) > int(latest.timestamp()):
        return {}
    offset = latest.strftime("%z") or "+0000"
    return {"GIT_COMMITTER_DATE": f"@{int(latest.timestamp()) + 1} {offset}"}


def _parsed(blob: bytes, shown: str) -> tuple[dict | None, str]:
    """A TOML file's data, or None and the problem as `commit:path[:line:col]: what`."""
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None, f"{shown}: not valid UTF-8"
    fast = read_answers(text)  # an answer file as mlreq writes it, without tomllib's slow strings
    if fast is not None:
        return fast, ""
    import tomllib

    try:
        return tomllib.loads(text), ""
    except tomllib.TOMLDecodeError as exc:
        from mlreq.bank.tomlread import tomllib_error_line

        return None, tomllib_error_line(exc, shown)
    except RecursionError:
        return None, f"{shown}: values nested too deeply to read"


class _Unreadable(Exception):
    """A version of form.toml that does not read: nothing of it is cached."""


def _parsed_form(blob: bytes, shown: str) -> tuple[dict | None, str]:
    """form.toml's data as `_parsed` gives it, through the parse cache (`bank/tomlcache.py`,
    by a digest of the bytes): a diff's question set is mostly the work tree's, whose
    reading `Project.open` left there, so neither tomllib nor its 10 ms parse is needed.
    Text with conflict markers is read without the cache: `Project.open` refuses it, and
    must never find it there."""
    from mlreq.bank.tomlcache import cached_parse
    from mlreq.bank.tomlread import merge_conflict_error

    def parse() -> dict:
        from mlreq.bank import tomlfast

        text = blob.decode("utf-8")  # (decodes: `_parsed` said otherwise before)
        fast = tomlfast.loads(text)  # exactly tomllib's reading, or None
        if fast is not None:
            return fast
        data, problem = _parsed(blob, shown)
        if data is None:
            raise _Unreadable(problem)
        return data

    try:
        if merge_conflict_error(blob.decode("utf-8"), shown):
            return _parsed(blob, shown)
    except UnicodeDecodeError:
        return None, f"{shown}: not valid UTF-8"
    try:
        return cached_parse(blob, parse), ""
    except _Unreadable as exc:
        return None, str(exc)


def _entry_in(blob: bytes | None, question_id: str) -> Entry | None:
    """One question's entry in an answer file's bytes, parsing only its own table."""
    table = _table_in(blob, question_id) if blob is not None else None
    return entry_from_table(table) if table is not None else None


def _table_in(blob: bytes, question_id: str) -> dict | None:
    """One question's table in an answer file's bytes, parsing only that table.

    Timelines read hundreds of versions of a stage file; cutting out the question's table
    first makes that ten times cheaper. A cut that lands inside a multi-line string cannot
    parse, and then the whole file is parsed instead.
    """
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError:
        return None
    table = _table_alone(text, question_id)
    if table is None:
        import tomllib

        try:
            table = tomllib.loads(text).get(question_id)
        except (tomllib.TOMLDecodeError, RecursionError):
            return None
    return table if isinstance(table, dict) else None


_TABLE_START = re.compile(r"^[ \t]*\[", re.MULTILINE)


def _table_alone(text: str, question_id: str) -> dict | None:
    header = re.search(r'^[ \t]*\[[ \t]*"' + re.escape(question_id) + r'"[ \t]*\]', text, re.MULTILINE)
    if header is None:
        return None
    following = _TABLE_START.search(text, header.end())
    snippet = text[header.start() : following.start() if following else len(text)]
    fast = read_answers(snippet)
    if fast is not None:
        return fast.get(question_id)
    import tomllib

    try:
        return tomllib.loads(snippet).get(question_id)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None


def _blob_ids(tree: tuple[str, str, bytes] | None) -> dict[str, str]:
    """A tree's blobs (files and links, as `cat-file` finds them by path) by name: id;
    nothing for a missing folder."""
    if tree is None or tree[1] != "tree":
        return {}
    return {name: object_id for mode, name, object_id in tree_entries(tree[2], len(tree[0]) // 2) if mode not in ("40000", "160000")}


def _parse_tag_message(contents: str, tag: str) -> tuple[str, str]:
    name = tag.rsplit("/", 1)[-1]
    lines = contents.strip().splitlines()
    body: list[str] = []
    for line in lines:
        if line.startswith(f"{ITERATION_TRAILER}: "):
            name = line.partition(": ")[2].strip()
        elif line.startswith("-----BEGIN PGP SIGNATURE"):
            break
        else:
            body.append(line)
    note = "\n".join(body[1:]).strip() if body else ""
    return name, note
