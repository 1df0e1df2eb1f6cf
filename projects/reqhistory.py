"""How the requirements evolved: what changed between two points, and one requirement's timeline.

`requirements.toml` is read at each end (a commit, the file on disk, or nothing before the
first commit) and compared by requirement id: added, changed (fields word-diffed with
`semdiff.word_diff`, so text reads in grouped phrases as answers do), retired, and removed
(mlreq never deletes one; a hand edit may). The blob ids are compared first, in one
`cat-file --batch-check`: when the file is absent or unchanged, nothing is read or parsed,
so a diff of answers pays one small git process for its requirements part; when it
changed, only the `[[requirement]]` blocks that differ are parsed. Versions that cannot be
read (hand edits) are said, then skipped, as answers' are.
"""

from __future__ import annotations

import re
from collections import namedtuple

from mlreq.bank.errors import MlreqError

from .gitrepo import blob_id as id_of
from .layout import REQUIREMENTS_FILE
from .logwalk import REQUIREMENT_TRAILER as TRAILER
from .safefile import read_project_file
from .semdiff import FieldChange

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start)
if TYPE_CHECKING:
    from mlreq.bank import Form

    from .history import History
    from .project import Project
    from .requirements import Requirement, RequirementSet
    from .semdiff import ProjectDiff, Snapshot

# The requirements' model (`requirements.py`, with what its writes need: ~15 ms to import)
# is loaded only where a version is read: a diff whose ends hold the same requirements.toml
# (or none) compares two blob ids and imports nothing more.

DISK = "now"
"""An end that is the file on disk, saved or not (as `history.NOW` is for answers)."""
FIELDS = ("text", "status", "pattern", "from", "criteria", "priority", "owner")
"""The fields a diff compares, in the order it shows them. `review` (why it needs review)
and a sync's kept `conflict` are bookkeeping: their change shows as a status change."""
_FIELD, _RECORD = "\x1f", "\x1e"


class RequirementChange(namedtuple("RequirementChange", "requirement_id kind text sources owner fields", defaults=((),))):
    """How one requirement differs between two ends (named tuples here: see semdiff).

    - kind: "added", "changed", "retired" (its status became retired) or "removed" (gone from the file);
    - text: its text at the newer end (the older one's when removed);
    - sources: the questions it is written from, at both ends (for filters and links);
    - owner: the owning role's id;
    - fields: changed fields, old and new as text: `from` joins question ids with ", ",
      `criteria` puts each criterion on a line of its own, `owner` is the role's name.
    """

    __slots__ = ()

    def field(self, name: str) -> FieldChange | None:
        return next((f for f in self.fields if f.field == name), None)


class RequirementsDiff(namedtuple("RequirementsDiff", "changes errors", defaults=((), ()))):
    """RequirementChanges; errors: ends whose requirements.toml could not be read (said, then not compared)."""

    __slots__ = ()

    def count(self, kind: str) -> int:
        return sum(c.kind == kind for c in self.changes)

    def summary(self) -> str:
        """"3 requirements changed (1 added, 1 retired)"."""
        n = len(self.changes)
        kinds = [f"{self.count(k)} {k}" for k in ("added", "retired", "removed") if self.count(k)]
        return f"{n} requirement{'s' if n != 1 else ''} changed" + (f" ({', '.join(kinds)})" if kinds else "")


# --------------------------------------------------------------------------- reading


_parsed: dict[bytes, RequirementSet] = {}
"""Parsed files and blocks by digest: the history screen diffs the same versions over and over."""
_TABLE = re.compile(rb"\[\[requirement\]\][ \t]*\r?(?:\n|\Z)")
_ID_LINE = re.compile(rb"""id[ \t]*=[ \t]*["'](REQ-\d+)["']""")
"""Both start with a literal (a fast scan); `_at_line_start` keeps those that begin a line."""


def _at_line_start(data: bytes, position: int) -> bool:
    return not data[data.rfind(b"\n", 0, position) + 1 : position].strip(b" \t")


def _parse(data: bytes, shown: str) -> RequirementSet:
    import hashlib

    from .requirements import parse_requirements

    key = hashlib.blake2b(data, digest_size=16).digest()
    found = _parsed.get(key)
    if found is None:  # (a local: another thread's diff may clear the cache meanwhile)
        found = parse_requirements(data, shown)
        if len(_parsed) > 256:
            _parsed.clear()
        _parsed[key] = found
    return found


def _blocks(data: bytes) -> list[bytes] | None:
    """The file cut before each `[[requirement]]` line: its head (last_id, comments), then
    one block per requirement, each a TOML file of its own. None (read it whole) when a cut
    could be wrong: a multi-line string (a line in it may look like a table), or ids that
    are not one plain `id = "REQ-..."` line per table (also what makes a duplicate show)."""
    if b'"""' in data or b"'''" in data:
        return None
    starts = [match.start() for match in _TABLE.finditer(data) if match.start() == 0 or data[match.start() - 1] == 10]
    ids = [match[1] for match in _ID_LINE.finditer(data) if _at_line_start(data, match.start())]
    if len(ids) != len(starts) or len(set(ids)) != len(ids):
        return None
    bounds = [0, *starts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def _changed_parts(old: bytes | None, new: bytes | None, shown: tuple[str, str]) -> tuple[RequirementSet, RequirementSet]:
    """The requirements of each version that may differ: a 5,000-requirement file with one
    edit is two small blocks to parse, not two large files. A block found byte for byte in
    both versions is the same requirement at both ends (ids are unique in each), so it is
    skipped; the heads are always read. Any doubt, or a block that does not read alone (its
    line numbers would be off), and the versions are read whole."""
    from .requirements import RequirementSet, RequirementsFileError

    cut = [_blocks(data) if data is not None else [] for data in (old, new)]
    common = set(cut[0][1:]) & set(cut[1][1:]) if cut[0] is not None and cut[1] is not None else set()
    if cut[0] is not None and cut[1] is not None and 2 * len(common) >= max(len(cut[0]), len(cut[1])) - 1:
        # mostly the same blocks (one block's parse costs more than its share of a whole file's)
        try:
            return tuple(  # type: ignore[return-value]
                RequirementSet(tuple(r for index, block in enumerate(blocks) if index == 0 or block not in common
                                     for r in _parse(block, label).items))
                for blocks, label in zip(cut, shown)
            )
        except RequirementsFileError:
            pass
    return tuple(_parse(data, label) if data is not None else RequirementSet() for data, label in zip((old, new), shown))  # type: ignore[return-value]


def _one(data: bytes, requirement_id: str, shown: str) -> Requirement | None:
    """One requirement in a version of the file: its block alone when the file cuts cleanly."""
    from .requirements import RequirementsFileError

    blocks = _blocks(data)
    if blocks is not None:
        line = re.compile(rb"""id[ \t]*=[ \t]*["']""" + re.escape(requirement_id.encode()) + rb"""["']""")
        found = [block for block in blocks[1:] if any(_at_line_start(block, m.start()) for m in line.finditer(block))]
        if not found:
            return None
        try:
            return _parse(found[0], shown).get(requirement_id)
        except RequirementsFileError:
            pass  # said with the file's own line numbers below
    return _parse(data, shown).get(requirement_id)


class _Ends:
    """Reads requirements.toml at a project's commits and on disk."""

    def __init__(self, project: Project) -> None:
        from .gitrepo import GitRepo

        self.project = project
        self.repo = GitRepo(project.repo_root)
        self.path = project.repo_path(REQUIREMENTS_FILE)

    def disk(self) -> bytes | None:
        try:
            return read_project_file(self.project.root, REQUIREMENTS_FILE)
        except FileNotFoundError:
            return None
        except MlreqError:
            raise
        except OSError as exc:
            from .requirements import RequirementsFileError

            raise RequirementsFileError(f"{REQUIREMENTS_FILE}: cannot read ({exc.strerror or exc})") from None

    def read(self, old: str | None, new: str | None, known: dict[str, str | None] | None = None,
             ) -> tuple[RequirementSet | None, RequirementSet | None, tuple[str, ...]]:
        """The requirements at both ends, or None, None when nothing changed. `known` holds
        the blob ids of commits already found (a diff's trees): git is asked for the others."""
        ids = dict(known or {})
        ends = [end for end in (old, new) if end not in (None, DISK) and end not in ids]
        ids.update(zip(ends, self.repo.blob_ids_at([(commit, self.path) for commit in ends])))
        try:
            on_disk = self.disk() if DISK in (old, new) else None
        except MlreqError as exc:  # a link, a special file: said, the answers' diff goes on
            return None, None, (f"{exc}; requirements not compared",)
        if on_disk is not None:
            ids[DISK] = id_of(on_disk, next(iter(v for v in ids.values() if v), ""))
        old_id, new_id = (ids.get(end) if end is not None else None for end in (old, new))
        if old_id == new_id:  # both absent, or the same bytes: nothing to compare
            return None, None, ()
        from .requirements import RequirementsFileError
        wanted = [(end, blob) for end, blob in ((old, old_id), (new, new_id)) if blob and end != DISK]
        contents = dict(zip((end for end, _ in wanted), self.repo.read_files_at([(end, self.path) for end, _ in wanted])))
        if on_disk is not None:
            contents[DISK] = on_disk
        data = [contents.get(end) if end is not None and blob_id else None for end, blob_id in ((old, old_id), (new, new_id))]
        shown = [REQUIREMENTS_FILE if end == DISK else f"{(end or '')[:10]}:{self.path}" for end in (old, new)]
        try:
            before, after = _changed_parts(data[0], data[1], (shown[0], shown[1]))
        except RequirementsFileError as exc:  # showing everything as added or removed would be wrong
            return None, None, (f"{exc}; requirements not compared",)
        return before, after, ()


def end_of(snapshot: Snapshot) -> str | None:
    """The end a ProjectDiff's snapshot stands for: its commit, the disk ("now"), or nothing
    (the "start" before a project's first commit)."""
    if snapshot.commit:
        return snapshot.commit
    return DISK if snapshot.label == DISK else None


# --------------------------------------------------------------------------- comparing


def requirements_diff(project: Project, old: str | None, new: str | None, known: dict[str, str | None] | None = None) -> RequirementsDiff:
    """What changed in the requirements from `old` to `new` (commit ids, DISK, or None);
    `known`: requirements.toml's blob id (None: absent) at commits where it was read already."""
    if old == new:
        return RequirementsDiff()
    before, after, errors = _Ends(project).read(old, new, known)
    if errors:
        return RequirementsDiff((), errors)
    if before is None or after is None:  # the same file at both ends (or none)
        return RequirementsDiff()
    return RequirementsDiff(compare(before, after, project.form))


def requirements_diff_of(project: Project, diff: ProjectDiff) -> RequirementsDiff:
    """The requirements part of a diff of answers: between the same two ends (the blob ids
    of requirements.toml at its commits were read with their trees)."""
    known = {s.commit: s.files.get(REQUIREMENTS_FILE) for s in (diff.old, diff.new) if s.commit and s.files is not None}
    return requirements_diff(project, end_of(diff.old), end_of(diff.new), known)


def _values(requirement: Requirement | None, form: Form) -> dict[str, str]:
    if requirement is None:
        return dict.fromkeys(FIELDS, "")
    role = form.role(requirement.owner) if requirement.owner else None
    return {
        "text": requirement.text, "status": requirement.status, "pattern": requirement.pattern,
        "from": ", ".join(requirement.sources), "criteria": "\n".join(requirement.criteria),
        "priority": requirement.priority, "owner": role.name if role else requirement.owner,
    }


def compare(before: RequirementSet, after: RequirementSet, form: Form) -> tuple[RequirementChange, ...]:
    """Requirement by requirement, by id, in the newer file's order (removed ones last)."""
    old = {r.id: r for r in before.items}
    new = {r.id: r for r in after.items}
    changes = []
    for requirement_id in dict.fromkeys([*new, *old]):
        was, now = old.get(requirement_id), new.get(requirement_id)
        a, b = _values(was, form), _values(now, form)
        fields = tuple(FieldChange(name, a[name], b[name]) for name in FIELDS if a[name] != b[name])
        if not fields:
            continue
        if was is None:
            kind = "added"
        elif now is None:
            kind = "removed"
        elif now.status == "retired" and was.status != "retired":
            kind = "retired"
        else:
            kind = "changed"
        shown = now or was
        assert shown is not None
        sources = tuple(dict.fromkeys([*(now.sources if now else ()), *(was.sources if was else ())]))
        changes.append(RequirementChange(requirement_id, kind, shown.text, sources, shown.owner, fields))
    return tuple(changes)


def filtered(changes: tuple[RequirementChange, ...], form: Form, stage: str | None = None, role: str | None = None) -> list[RequirementChange]:
    """Those written from a question of `stage`, or owned by or written from questions for `role` (ids)."""
    chosen = list(changes)
    if stage:
        chosen = [c for c in chosen if any(q is not None and q.stage == stage for q in map(form.question, c.sources))]
    if role:
        chosen = [c for c in chosen if c.owner == role or any(q is not None and role in q.roles for q in map(form.question, c.sources))]
    return chosen


# --------------------------------------------------------------------------- one requirement


class RequirementVersion(namedtuple("RequirementVersion", "commit author date requirement subject merged", defaults=("", False))):
    """One version of one requirement in its timeline."""

    __slots__ = ()


def requirement_timeline(history: History, requirement_id: str, problems: list[str] | None = None) -> list[RequirementVersion]:
    """Every distinct version of one requirement, oldest first, on this line of work (first
    parents, as an answer's timeline). Only commits naming it in their `Mlreq-Requirement:`
    trailer, and commits without one (hand edits, merges), are read."""
    from .errors import InvalidInputError
    from .requirements import RequirementsFileError

    requirement_id = requirement_id.strip().upper()
    path = history.project.repo_path(REQUIREMENTS_FILE)
    fields = ["%H", "%an", "%aI", "%P", "%s", f"%(trailers:key={TRAILER},valueonly,separator=%x2c)"]
    _, out, _ = history.repo.run("log", "--first-parent", f"--format={_FIELD.join(fields)}{_RECORD}", "--", path, check=False)
    candidates = []
    for record in out.split(_RECORD):
        parts = record.strip("\n").split(_FIELD)
        if len(parts) != 6:
            continue
        commit, author, date, parents, subject, trailers = parts
        named = [r.strip() for r in trailers.split(",") if r.strip()]
        if not named or requirement_id in named:
            candidates.append((commit, author, date, len(parents.split()) > 1, subject))
    candidates.reverse()
    ends = _Ends(history.project)
    ids = ends.repo.blob_ids_at([(c[0], path) for c in candidates])
    unique = {blob: commit for (commit, *_), blob in zip(candidates, ids) if blob}
    contents = dict(zip(unique, ends.repo.read_files_at([(commit, path) for commit in unique.values()])))
    versions: list[RequirementVersion] = []
    for (commit, author, date, merged, subject), blob in zip(candidates, ids):
        data = contents.get(blob) if blob else None
        if data is None:
            continue
        try:
            found = _one(data, requirement_id, f"{commit[:10]}:{path}")
        except RequirementsFileError as exc:
            if problems is not None:
                problems.append(f"{exc}; skipped")
            continue
        if found is not None and (not versions or versions[-1].requirement != found):
            versions.append(RequirementVersion(commit, author, date, found, subject, merged))
    if not versions:
        raise InvalidInputError(f"no saved version of {requirement_id}; `mlreq req list --all` shows the ids")
    return versions
