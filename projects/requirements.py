"""Requirements written from the form's answers: "shall" statements traced to their questions.

The thesis (section 4.1.1) elicits answers so that formal requirements can be written from
them; this module keeps those requirements in the project's `requirements.toml`, next to
the answers, versioned the same way:

- one `[[requirement]]` table each, with an id `REQ-001`... that is never reused: the file
  remembers the highest id ever given (`last_id`), and retired requirements stay;
- the challenges a requirement addresses (P1-P6, BP1-BP4) are not stored but inherited
  from its questions' traceability, so they follow the form;
- every change is one commit naming the requirement (`Mlreq-Requirement:` trailers);
- a substantive change to a source answer flags its requirements needs-review, in the
  answer's own commit (`flag_requirements`, called by `Project._commit_locked`);
- the file is untrusted: read only through `safefile` (size cap, no links), validated
  (ids, patterns, statuses, links to questions) before anything is written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mlreq.bank.tomlread import decode_utf8, merge_conflict_error

from . import reqtoml
from .atomic import atomic_write, remove_leftovers
from .errors import CommitError, InvalidInputError, ProjectError, ProjectFileError
from .impact import review_reason, same_meaning
from .repostate import require_committable
from .safefile import parse_toml, read_project_file, writable_path
from .safetext import visible
from .tomlstr import check_encodable

if TYPE_CHECKING:
    from .impact import AnswerChange
    from tomlkit.toml_document import TOMLDocument

    from mlreq.bank import Form

    from .commitmessage import Change
    from .project import Project, SaveResult
    from .reqtoml import RequirementsText

REQUIREMENTS_FILE = "requirements.toml"
TRAILER = "Mlreq-Requirement"
PATTERNS = {
    "ubiquitous": "The <system> shall <response>",
    "event": "When <trigger>, the <system> shall <response>",
    "state": "While <state>, the <system> shall <response>",
    "unwanted": "If <condition>, then the <system> shall <response>",
    "optional": "Where <feature>, the <system> shall <response>",
    "complex": "While <state>, when <trigger>, the <system> shall <response> (any combination)",
}
STATUSES = ("draft", "agreed", "needs-review", "retired")
PRIORITIES = ("high", "medium", "low")
_ID = re.compile(r"^REQ-(\d{3,9})$")
_FIELDS = {"id", "text", "pattern", "from", "criteria", "priority", "status", "owner", "review", "conflict"}
CONFLICT_REVIEW = "changed on both sides of a sync: keep one version (`mlreq req edit`)"


class RequirementsFileError(ProjectFileError):
    """requirements.toml is broken or inconsistent (exit 3); nothing is written."""

    title = "Broken requirements file"


class UnknownRequirementError(InvalidInputError):
    title = "Unknown requirement"


@dataclass(frozen=True)
class Requirement:
    id: str
    text: str
    pattern: str
    sources: tuple[str, ...]
    criteria: tuple[str, ...] = ()
    priority: str = "medium"
    status: str = "draft"
    owner: str = ""
    review: str = ""
    """Why it needs review (a source answer changed, a sync conflict)."""
    conflict: tuple[tuple[str, str], ...] = ()
    """The other side's values of fields changed on both sides of a sync."""

    @property
    def number(self) -> int:
        return int(self.id.split("-")[1])


@dataclass(frozen=True)
class RequirementSet:
    """The parsed file: requirements in file order and the highest id ever given."""

    items: tuple[Requirement, ...] = ()
    last_id: int = 0
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    """Each id's line in the file, to point at it in messages."""

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each id's place in `items` (the first, if a broken file has one twice)."""
        found: dict[str, int] = {}
        for position, requirement in enumerate(self.items):
            found.setdefault(requirement.id, position)
        return found

    @cached_property
    def sources(self) -> frozenset[str]:
        """Every question some requirement is written from."""
        return frozenset(source for requirement in self.items for source in requirement.sources)

    def get(self, requirement_id: str) -> Requirement | None:
        position = self.positions.get(requirement_id)
        return None if position is None else self.items[position]

    def next_id(self) -> str:
        return f"REQ-{max([self.last_id, *(r.number for r in self.items)]) + 1:03d}"


# --------------------------------------------------------------------------- reading


def parse_requirements(data: bytes, shown: str = REQUIREMENTS_FILE) -> RequirementSet:
    """Parse and check the file's shape (not its links to the form): one line per problem."""
    return _parse(data, shown)[0]


def _parse(data: bytes, shown: str = REQUIREMENTS_FILE) -> tuple[RequirementSet, RequirementsText | None]:
    """The requirements and, when `reqtoml` could read the file (mlreq's own layout, and the
    hand edits it allows), where each one is in the text; tomllib reads anything else."""
    text = decode_utf8(data, shown, RequirementsFileError)
    conflict = merge_conflict_error(text, shown)
    if conflict:
        raise RequirementsFileError(conflict)
    layout = reqtoml.read(text)
    raw = layout.data if layout is not None else parse_toml(data, shown, RequirementsFileError)
    unknown = sorted(set(raw) - {"last_id", "requirement"})
    if unknown:
        raise RequirementsFileError(f"{shown}: unknown top-level key {unknown[0]!r}; expected last_id and [[requirement]] tables")
    last_id = raw.get("last_id", 0)
    if not isinstance(last_id, int) or isinstance(last_id, bool) or last_id < 0:
        raise RequirementsFileError(f"{shown}: last_id must be a whole number, not {last_id!r}")
    tables = raw.get("requirement", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RequirementsFileError(f"{shown}: requirements must be [[requirement]] tables")
    if layout is not None:  # the usual case first: no line numbers until a message needs one
        read: list[Requirement] = []
        ids: set[str] = set()
        for table in tables:
            requirement = _quick_requirement(table)
            if requirement is None or not _ID.match(requirement.id) or requirement.id in ids:
                break  # the loop below says what is wrong, and where
            ids.add(requirement.id)
            read.append(requirement)
        else:
            return RequirementSet(tuple(read), last_id, _IdLines(layout.text, layout.tables, [r.id for r in read])), layout
    table_lines = _table_lines(layout.text, layout.tables) if layout is not None else None
    lines = _id_lines(text) if table_lines is None else {}
    items: list[Requirement] = []
    seen: dict[str, int] = {}
    first_line: dict[str, int] = {}
    for index, table in enumerate(tables):
        requirement_id = table.get("id")
        if not isinstance(requirement_id, str) or not _ID.match(requirement_id):
            raise RequirementsFileError(f"{shown}: requirement #{index + 1} has no valid id (REQ-001...): {requirement_id!r}")
        occurrence = seen.get(requirement_id, 0)
        seen[requirement_id] = occurrence + 1
        if table_lines is not None:
            line = table_lines[index]
        else:
            positions = lines.get(requirement_id, [])
            line = positions[min(occurrence, len(positions) - 1)] if positions else 0
        where = f"{shown}:{line}" if line else shown
        if occurrence:
            raise RequirementsFileError(
                f"{where}: {requirement_id} is used twice (first at line {first_line.get(requirement_id, '?')}); "
                "give one of them a new id (ids are never reused)"
            )
        first_line[requirement_id] = line
        items.append(_requirement(table, f"{where}: {requirement_id}"))
    return RequirementSet(tuple(items), last_id, first_line), layout


def _id_lines(text: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r"""\s*id\s*=\s*["'](REQ-\d+)["']""", line)
        if match:
            found.setdefault(match[1], []).append(number)
    return found


def _requirement(table: dict[str, Any], where: str) -> Requirement:
    """One table as a Requirement; what is wrong with a bad one, naming `where`."""
    return _quick_requirement(table) or _checked_requirement(table, where)


def _quick_requirement(table: dict[str, Any]) -> Requirement | None:
    """The usual case, checked without building messages (5,000 requirements are read per
    command); None when something is wrong (`_checked_requirement` says what)."""
    get = table.get
    text, pattern, status, priority = get("text", ""), get("pattern", ""), get("status", "draft"), get("priority", "medium")
    owner, review, sources, criteria, conflict = get("owner", ""), get("review", ""), get("from", []), get("criteria", []), get("conflict", {})
    if (
        _FIELDS.issuperset(table) and type(get("id")) is str and type(text) is str and type(owner) is str and type(review) is str
        and type(pattern) is str and pattern in PATTERNS and type(status) is str and status in STATUSES
        and type(priority) is str and priority in PRIORITIES and type(sources) is list and sources
        and type(criteria) is list and type(conflict) is dict and all(type(v) is str for v in sources)
        and all(type(v) is str for v in criteria) and all(type(v) is str for v in conflict.values())
    ):
        return Requirement(table["id"], text, pattern, tuple(sources), tuple(criteria), priority, status, owner, review,
                           tuple(sorted(conflict.items())) if conflict else ())
    return None


def _checked_requirement(table: dict[str, Any], where: str) -> Requirement:
    unknown = sorted(set(table) - _FIELDS)
    if unknown:
        raise RequirementsFileError(f"{where}: unknown field {unknown[0]!r}")

    def text_field(name: str, default: str = "") -> str:
        value = table.get(name, default)
        if not isinstance(value, str):
            raise RequirementsFileError(f"{where}: {name} must be a string")
        return value

    def list_field(name: str) -> tuple[str, ...]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RequirementsFileError(f"{where}: {name} must be a list of strings")
        return tuple(value)

    pattern, status, priority = text_field("pattern"), text_field("status", "draft"), text_field("priority", "medium")
    if pattern not in PATTERNS:
        raise RequirementsFileError(f"{where}: unknown pattern {pattern!r}; use one of {', '.join(PATTERNS)}")
    if status not in STATUSES:
        raise RequirementsFileError(f"{where}: unknown status {status!r}; use one of {', '.join(STATUSES)}")
    if priority not in PRIORITIES:
        raise RequirementsFileError(f"{where}: unknown priority {priority!r}; use one of {', '.join(PRIORITIES)}")
    conflict = table.get("conflict", {})
    if not isinstance(conflict, dict) or not all(isinstance(v, str) for v in conflict.values()):
        raise RequirementsFileError(f"{where}: conflict must be a table of strings")
    sources = list_field("from")
    if not sources:
        raise RequirementsFileError(f"{where}: no question in `from`; a requirement is written from at least one answer")
    return Requirement(
        id=table["id"], text=text_field("text"), pattern=pattern, sources=sources, criteria=list_field("criteria"),
        priority=priority, status=status, owner=text_field("owner"), review=text_field("review"),
        conflict=tuple(sorted(conflict.items())),
    )


def check_links(requirements: RequirementSet, form: Form, answered: Iterable[str] = ()) -> None:
    """Every source must be a question of the form (or an orphan answer a tailoring kept)."""
    known = {q.id for q in form.questions} | set(answered)
    for requirement in requirements.items:
        for source in requirement.sources:
            if source not in known:
                line = requirements.lines.get(requirement.id)
                where = f"{REQUIREMENTS_FILE}:{line}" if line else REQUIREMENTS_FILE
                raise RequirementsFileError(
                    f"{where}: {requirement.id} comes from {source!r}, which is not a question of this project; "
                    "fix `from` (see `mlreq status` for the ids)"
                )


def _read_bytes(project: Project) -> bytes | None:
    try:
        return read_project_file(project.root, REQUIREMENTS_FILE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProjectError(f"{REQUIREMENTS_FILE}: cannot read ({exc.strerror or exc})") from None


_parsed: dict[tuple[str, bytes], tuple[RequirementSet, RequirementsText | None]] = {}


def _parse_cached_layout(project: Project, data: bytes) -> tuple[RequirementSet, RequirementsText | None]:
    """Parsing is the cost of a flag check on every answer save: done once per file version
    (and a version mlreq wrote is remembered as it writes it)."""
    key = (str(project.root), hashlib.blake2b(data, digest_size=16).digest())
    parsed = _parsed.get(key)
    if parsed is None:  # (the app's save worker and its screens share this cache: no second lookup)
        parsed = _parse(data)
        _remember(key, parsed)
    return parsed


def _remember(key: tuple[str, bytes], parsed: tuple[RequirementSet, RequirementsText | None]) -> None:
    if len(_parsed) > 8:
        _parsed.clear()
    _parsed[key] = parsed


def _parse_cached(project: Project, data: bytes) -> RequirementSet:
    return _parse_cached_layout(project, data)[0]


def _answered_if_needed(project: Project, requirements: RequirementSet) -> Iterable[str]:
    """The answered ids, read only when a requirement names something the form does not ask
    (an orphan answer a tailoring kept): reading 2,000 answers is most of a small command."""
    known = project.form.question
    if all(known(source) is not None for source in requirements.sources):
        return ()
    return project.entries()


def load_requirements(project: Project) -> RequirementSet:
    """The project's requirements, checked against its questions; empty when there is no file."""
    data = _read_bytes(project)
    if data is None:
        return RequirementSet()
    requirements = _parse_cached(project, data)
    check_links(requirements, project.form, _answered_if_needed(project, requirements))
    return requirements


def challenges(form: Form, requirement: Requirement) -> tuple[str, ...]:
    """The challenges and best practices (P1-P6, BP1-BP4) its questions trace to."""
    found = {t for qid in requirement.sources if (q := form.question(qid)) is not None for t in q.traces}

    def order(trace: str) -> tuple[str, int, str]:
        match = re.match(r"^([A-Za-z]+)(\d+)$", trace)
        return (match[1], int(match[2]), "") if match else (trace, 0, trace)

    return tuple(sorted(found, key=order))


# --------------------------------------------------------------------------- the EARS check

_VAGUE = ("fast", "quick", "quickly", "user-friendly", "easy", "easily", "as appropriate", "as needed",
          "as required", "if possible", "etc", "and/or", "adequate", "sufficient", "reasonable", "efficient",
          "flexible", "robust", "seamless", "state-of-the-art", "best possible", "minimal", "some")
_VAGUE_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in _VAGUE) + r")(?![\w-])", re.IGNORECASE)
_VAGUE_LOWER = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in _VAGUE) + r")(?![\w-])")
"""`_VAGUE_RE` for lower-case ASCII text, twice as fast (IGNORECASE also matches non-ASCII look-alikes)."""
_KEYWORDS = {"when": "event", "while": "state", "if": "unwanted", "where": "optional"}


_SHALL = re.compile(r"\bshall\b", re.IGNORECASE)
_OPENING = re.compile(r"(?:^|,\s*|\.\s*)(when|while|if|where)\b", re.IGNORECASE)
_IF_FIRST = re.compile(r"\s*if\b", re.IGNORECASE)
_THEN = re.compile(r",\s*then\b", re.IGNORECASE)


def guess_pattern(text: str) -> str:
    """The EARS pattern the text's opening clauses follow."""
    return _guess(_SHALL.split(text, maxsplit=1)[0])


def _guess(head: str) -> str:
    found = {_KEYWORDS[w.lower()] for w in _OPENING.findall(head)}
    if len(found) > 1:
        return "complex"
    return found.pop() if found else "ubiquitous"


def ears_problems(requirement: Requirement) -> list[str]:
    """Why the text does not follow an EARS pattern (empty when it does). Advice only."""
    problems: list[str] = []
    text = " ".join(requirement.text.split())
    parts = _SHALL.split(text)
    shalls, head = len(parts) - 1, parts[0]
    if shalls == 0:
        problems.append('no "shall": state the response as "the <system> shall <response>"')
    elif shalls > 1:
        problems.append(f'{shalls} times "shall": one requirement per statement, split it')
    clauses = [c.strip() for c in head.split(",")]
    for clause in clauses[:-1] if shalls else clauses:
        word = clause.split(" ", 1)[0].lower() if clause else ""
        if word in _KEYWORDS and len(clause.split()) < 2:
            problems.append(f'"{clause.split(" ", 1)[0]}" without its clause: say {PATTERNS[_KEYWORDS[word]].split(",")[0]}')
    if shalls and len(clauses) == 1 and clauses[0].split(" ", 1)[0].lower() in _KEYWORDS:
        word = clauses[0].split(" ", 1)[0]
        problems.append(f'"{word}" clause not closed by a comma before "the <system> shall"')
    guessed = _guess(head)
    if "unwanted" in (requirement.pattern, guessed) and _IF_FIRST.match(text):
        if not _THEN.search(head):
            problems.append('"If <condition>" without ", then the <system> shall"')
    if shalls and requirement.pattern != guessed and requirement.pattern != "complex":
        problems.append(f"pattern is {requirement.pattern} but the text reads as {guessed} ({PATTERNS[requirement.pattern]})")
    if text.isascii():
        vague = sorted({m.group(1) for m in _VAGUE_LOWER.finditer(text.lower())})
    else:
        vague = sorted({m.group(1).lower() for m in _VAGUE_RE.finditer(text)})
    if vague:
        problems.append(f"vague word{'s' if len(vague) > 1 else ''} {', '.join(repr(v) for v in vague)}: say how much, how fast, which")
    if not any(c.strip() for c in requirement.criteria):
        problems.append("no acceptance criterion: add one that a test can check (--criterion)")
    return problems


# --------------------------------------------------------------------------- flags on answer changes


def substantive(before: str, after: str) -> bool:
    """Whether an answer edit changed its meaning, by the rule that flags dependent answers
    (`impact.same_meaning`: whitespace and punctuation alone do not)."""
    return not same_meaning(before, after)


def flag_requirements(
    project: Project,
    changes: list[AnswerChange],
    author: str,
    when: datetime | None = None,
    record: dict[str, tuple[str, str, str]] | None = None,
) -> tuple[str, ...]:
    """Mark needs-review the requirements written from answers that `changes` changed.

    The rules that flag dependent answers (`impact`): only a change of meaning since the
    edit began, and never an answer's first text (writing the form is not changing it).
    Called by `Project._commit_locked` with the lock held, before its commit; returns the
    requirements in doubt because of these changes (their file then goes in the same
    commit). A broken requirements file stops the commit (the answer stays on disk).
    `record` gets, per requirement flagged now, (status, review) before and the reason set.
    """
    changed = [c.question_id for c in changes if c.flags and not c.first]
    read = _read_for_commit(project) if changed else None
    if read is None:
        return ()
    data, requirements = read
    updates: dict[str, dict[str, Any]] = {}
    in_doubt = []
    changed_set = set(changed)
    for requirement in requirements.items:
        if changed_set.isdisjoint(requirement.sources) or requirement.status == "retired":
            continue
        source = next(qid for qid in changed if qid in requirement.sources)
        if requirement.status != "needs-review":
            reason = review_reason(source, author, when)
            updates[requirement.id] = {"status": "needs-review", "review": reason}
            in_doubt.append(requirement.id)
            if record is not None:
                record[requirement.id] = (requirement.status, requirement.review, reason)
        elif any(requirement.review.startswith(f"{qid} changed") for qid in changed):
            in_doubt.append(requirement.id)  # flagged by an earlier try whose commit failed
    _write_for_commit(project, data, updates)
    return tuple(in_doubt)


def unflag_requirements(project: Project, flagged: dict[str, tuple[str, str, str]]) -> tuple[str, ...]:
    """Put back the requirements `flag_requirements` flagged (its `record`) that still hold
    exactly the flag it set: the change that flagged them was undone. Returns their ids."""
    read = _read_for_commit(project)
    if read is None:
        return ()
    data, requirements = read
    updates = {}
    for rid, (status, review, reason) in flagged.items():
        now = requirements.get(rid)
        if now is not None and now.status == "needs-review" and now.review == reason:
            updates[rid] = {"status": status, "review": review}
    _write_for_commit(project, data, updates)
    return tuple(updates)


def _read_for_commit(project: Project) -> tuple[bytes, RequirementSet] | None:
    """The requirements file's bytes and parse for a commit's flags (None without a file);
    a broken file stops the commit, the answer staying on disk."""
    try:
        data = _read_bytes(project)
        return None if data is None else (data, _parse_cached(project, data))
    except ProjectError as exc:
        raise CommitError(f"saved on disk but not committed: {exc}; fix it and save again") from None


def _write_for_commit(project: Project, data: bytes, updates: dict[str, dict[str, Any]]) -> None:
    if updates:
        try:
            _write(project, data, updates)
        except ProjectError as exc:
            raise CommitError(f"saved on disk but not committed: {exc}; fix it and save again") from None


def with_requirement_flags(message: str, flagged: tuple[str, ...], withdrawn: tuple[str, ...] = ()) -> str:
    """An answer's commit message, also naming the requirements it put in doubt (and those
    no longer in doubt, the change that flagged them undone)."""
    head, sep, last = message.rstrip("\n").rpartition("\n\n")
    if sep and all(re.match(r"^[\w-]+: ", line) for line in last.splitlines()):
        body, trailers = head, last.splitlines()
    else:  # no trailer block yet
        body, trailers = message.rstrip("\n"), []
    lines = ["Requirements flagged needs-review, as they were written from the changed answer:", *(f"  {r}" for r in flagged)] if flagged else []
    if withdrawn:
        lines += ["" if lines else None, "Requirements no longer flagged needs-review (the change that flagged them was undone):",
                  *(f"  {r}" for r in withdrawn)]
    trailers += [f"{TRAILER}: {r}" for r in (*flagged, *withdrawn)]
    return f"{body}\n\n" + "\n".join(line for line in lines if line is not None) + "\n\n" + "\n".join(trailers) + "\n"


# --------------------------------------------------------------------------- writing


def _document(data: bytes | None) -> TOMLDocument:
    import tomlkit

    if data is None:
        document = tomlkit.document()
        document.add(tomlkit.comment("Requirements written from the form's answers (mlreq req ...)."))
        document.add(tomlkit.comment("Ids are never reused: last_id is the highest ever given. `from` names the questions;"))
        document.add(tomlkit.comment("patterns (EARS): " + ", ".join(PATTERNS) + "; status: " + ", ".join(STATUSES) + "."))
        document.add(tomlkit.nl())
        document.add("last_id", 0)
        document.add(tomlkit.nl())
        return document
    try:  # the bytes already passed tomllib; tomlkit is stricter on a few odd layouts
        return tomlkit.parse(data.decode("utf-8"))
    except (tomlkit.exceptions.ParseError, UnicodeDecodeError, RecursionError) as exc:
        raise RequirementsFileError(f"{REQUIREMENTS_FILE}: cannot edit ({exc}); nothing was written") from None


def _item(name: str, value: Any) -> Any:
    import tomlkit

    from .tomlstr import toml_string

    if isinstance(value, (list, tuple)):
        array = tomlkit.array()
        for entry in value:
            array.append(toml_string(entry) if name == "criteria" else entry)
        if name == "criteria" and value:
            array.multiline(True)
        return array
    if isinstance(value, dict):
        table = tomlkit.table()
        for key, entry in value.items():
            table.add(key, toml_string(entry))
        return table
    return toml_string(value) if name in ("text", "review") else tomlkit.item(value)


_ORDER = ("id", "text", "pattern", "from", "criteria", "priority", "status", "owner", "review", "conflict")


def requirement_fields(requirement: Requirement) -> dict[str, Any]:
    values = {
        "id": requirement.id, "text": requirement.text, "pattern": requirement.pattern,
        "from": list(requirement.sources), "criteria": list(requirement.criteria), "priority": requirement.priority,
        "status": requirement.status, "owner": requirement.owner, "review": requirement.review,
        "conflict": dict(requirement.conflict),
    }
    return {k: values[k] for k in _ORDER if values[k] or k in ("id", "text", "pattern", "from", "criteria", "priority", "status")}


def _table(requirement: Requirement) -> Any:
    import tomlkit

    table = tomlkit.table()
    for name, value in requirement_fields(requirement).items():
        table.add(name, _item(name, value))
    table.add(tomlkit.nl())  # a blank line between requirements
    return table


def _apply(document: TOMLDocument, updates: dict[str, dict[str, Any]], added: list[Requirement], last_id: int | None) -> bytes:
    import tomlkit

    from .answers import _set_keeping_trivia

    tables = document.get("requirement", [])
    for table in tables:
        for name, value in updates.get(str(table.get("id")), {}).items():
            if value in ("", [], {}, ()) and name in ("review", "conflict", "owner"):
                if name in table:
                    del table[name]
            elif name in table and not isinstance(value, dict):
                _set_keeping_trivia(table, name, _item(name, value))
            else:
                table[name] = _item(name, value)
    if last_id is not None:
        document["last_id"] = last_id
    if added:
        if "requirement" not in document:
            document.add("requirement", tomlkit.aot())
        for requirement in added:
            document["requirement"].append(_table(requirement))
    return tomlkit.dumps(document).encode("utf-8")


def _write(project: Project, data: bytes | None, updates: dict[str, dict[str, Any]],
           added: list[Requirement] | None = None, last_id: int | None = None, expect: Requirement | None = None) -> None:
    """Apply the changes to the file's own text (comments and layout kept), check that the
    result reads back as intended (`expect`), and replace the file atomically."""
    added = added or []
    parsed: tuple[RequirementSet, RequirementsText | None] | None = None
    try:
        written = _edit_in_place(project, data, updates, added, last_id)
    except RequirementsFileError:  # the edited file would not read (an id twice, say)
        written = None
    if written is None:  # or a layout `reqtoml` leaves to tomlkit (inline tables, say): slower, same care
        new = _apply(_document(data), updates, added, last_id)
        try:
            parsed = _parse(new)  # never write what mlreq could not read
        except RequirementsFileError:
            parsed = None
    else:
        new, parsed = written
    if parsed is None or (expect is not None and parsed[0].get(expect.id) != expect):
        raise RequirementsFileError(
            f"{REQUIREMENTS_FILE}: {expect.id if expect else 'the file'} could not be changed in place (a layout mlreq "
            "does not edit, such as inline tables?); write requirements as [[requirement]] tables; nothing was written"
        )
    try:
        path = writable_path(project.root, REQUIREMENTS_FILE)
        remove_leftovers(path)
        atomic_write(path, new)
    except OSError as exc:
        raise ProjectError(f"cannot write {REQUIREMENTS_FILE}: {exc.strerror or exc}; the file on disk is unchanged") from None
    _remember((str(project.root), hashlib.blake2b(new, digest_size=16).digest()), parsed)


_COMMENTS = (
    "Requirements written from the form's answers (mlreq req ...).",
    "Ids are never reused: last_id is the highest ever given. `from` names the questions;",
    "patterns (EARS): " + ", ".join(PATTERNS) + "; status: " + ", ".join(STATUSES) + ".",
)


def _stored(name: str, value: Any) -> Any:
    """An update's value as `reqtoml.edit` takes it: None removes an emptied optional field."""
    return None if name in ("review", "conflict", "owner") and value in ("", [], {}, ()) else value


def _edit_in_place(project: Project, data: bytes | None, updates: dict[str, dict[str, Any]], added: list[Requirement],
                   last_id: int | None) -> tuple[bytes, tuple[RequirementSet, RequirementsText | None]] | None:
    """The new file by `reqtoml`: only the changed values' text is rewritten and only the
    changed tables are read again. None when the file's layout is not one it reads."""
    if data is None:
        new = reqtoml.render_file(_COMMENTS, last_id or 0, [requirement_fields(r) for r in added]).encode("utf-8")
        return new, _parse(new)
    before, layout = _parse_cached_layout(project, data)
    if layout is None:
        return None
    index = before.positions  # the tables in the file, in the same order
    changes = {index[rid]: {k: _stored(k, v) for k, v in fields.items()} for rid, fields in updates.items() if rid in index}
    try:
        edited = reqtoml.edit(layout, changes, order=_ORDER, added=[requirement_fields(r) for r in added], last_id=last_id)
    except reqtoml.EditError:
        return None
    new = edited.text.encode("utf-8")
    after = _set_after_edit(before, edited, changes)
    return new, ((after, edited) if after is not None else _parse(new))


class _IdLines(Mapping[str, int]):
    """Each id's line, counted only when a message needs one: counting 1.5 MB of lines on
    every read and write would cost more than the edit itself."""

    def __init__(self, text: str, tables: Iterable[tuple[int, int, int]], ids: Iterable[str]) -> None:
        self._source: tuple[str, Iterable[tuple[int, int, int]], Iterable[str]] | None = (text, tables, ids)
        self._lines: dict[str, int] = {}

    def _counted(self) -> dict[str, int]:
        if self._source is not None:
            text, tables, ids = self._source
            for requirement_id, line in zip(ids, _table_lines(text, tables)):
                self._lines.setdefault(requirement_id, line)
            self._source = None
        return self._lines

    def __getitem__(self, requirement_id: str) -> int:
        return self._counted()[requirement_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counted())

    def __len__(self) -> int:
        return len(self._counted())


def _table_lines(text: str, tables: Iterable[tuple[int, int, int]]) -> list[int]:
    """Each table's `id` line (0: none), counting newlines once through the text."""
    found, line, previous = [], 1, 0
    for _, _, at in tables:
        if at < 0:
            found.append(0)
            continue
        line += text.count("\n", previous, at)
        previous = at
        found.append(line)
    return found


def _set_after_edit(before: RequirementSet, edited: RequirementsText, changes: dict[int, Any]) -> RequirementSet | None:
    """The requirements after an edit, building only the changed and added ones again; None
    when anything needs the full check's message (an id used twice, say)."""
    tables = edited.data.get("requirement", [])
    last_id = edited.data.get("last_id", 0)
    if len(tables) < len(before.items) or not isinstance(last_id, int) or isinstance(last_id, bool) or last_id < 0:
        return None
    items = list(before.items)
    try:
        for index in [*changes, *range(len(before.items), len(tables))]:
            requirement = _requirement(tables[index], f"{REQUIREMENTS_FILE}: {tables[index].get('id')}")
            if not _ID.match(requirement.id):
                return None
            if index < len(items):
                items[index] = requirement
            else:
                items.append(requirement)
    except RequirementsFileError:
        return None
    known = before.positions
    new_ids = [items[i].id for i in changes] + [r.id for r in items[len(before.items):]]
    if len(set(new_ids)) != len(new_ids) or any(known.get(r, i) != i for r, i in zip(new_ids, [*changes, *range(len(before.items), len(items))])):
        return None  # an id given twice: the full read says where
    return RequirementSet(tuple(items), last_id, _IdLines(edited.text, edited.tables, [r.id for r in items]))


def _message(subject: str, requirement: Requirement, detail: str = "") -> str:
    # The text's control characters as symbols: git takes the message as an argument, which cannot hold a NUL.
    body = [f"{requirement.id} ({requirement.pattern}, from {', '.join(requirement.sources)})", f"  {visible(' '.join(requirement.text.split())[:200])}"]
    if detail:
        body.append(f"  {detail}")
    return "\n".join([subject, "", *body, "", f"{TRAILER}: {requirement.id}"]) + "\n"


@dataclass(frozen=True)
class RequirementSaved:
    requirement: Requirement
    result: SaveResult | None
    """None when nothing changed (no commit)."""


def _save(project: Project, change, message_for) -> RequirementSaved:  # type: ignore[no-untyped-def]
    """Under the project's lock: read and check the file, apply `change`, write, commit."""
    with project._guard, project._locked():
        require_committable(project.repo_root, unmerged=False)
        data = _read_bytes(project)
        requirements = RequirementSet() if data is None else _parse_cached(project, data)
        check_links(requirements, project.form, _answered_if_needed(project, requirements))
        before, after, added = change(requirements)
        if before == after:
            return RequirementSaved(after, None)
        if added:
            _write(project, data, {}, [after], after.number, expect=after)
        else:
            new_values = requirement_fields(after)
            updates = {k: new_values.get(k, "") for k in _ORDER if getattr_field(before, k) != getattr_field(after, k)}
            _write(project, data, {after.id: updates}, expect=after)
        return RequirementSaved(after, project.commit_files([REQUIREMENTS_FILE], message_for(before, after)))


def getattr_field(requirement: Requirement | None, name: str) -> Any:
    if requirement is None:
        return None
    return requirement_fields(requirement).get(name, "" if name not in ("from", "criteria", "conflict") else None)


def _check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInputError("the requirement needs a text, e.g. \"When <trigger>, the system shall <response>\"")
    check_encodable(text, "requirement")
    return text


def _check_choice(value: str, choices: Iterable[str], what: str) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise InvalidInputError(f"unknown {what} {value!r}; use one of {', '.join(choices)}")
    return value


def _check_criteria(criteria: Iterable[str]) -> tuple[str, ...]:
    result = tuple(c.strip() for c in criteria if c.strip())
    for criterion in result:
        check_encodable(criterion, "criterion")
    return result


def _owner(project: Project, owner: str) -> str:
    role = project.form.find_role(owner)
    if role is None:
        raise InvalidInputError(f"unknown role {owner!r}; use one of {', '.join(r.id for r in project.form.roles)}")
    return role.id


def _sources(project: Project, sources: Iterable[str]) -> tuple[str, ...]:
    result = tuple(dict.fromkeys(project.question(qid.strip()).id for qid in sources))
    if not result:
        raise InvalidInputError("give the question(s) it is written from: --from QID")
    return result


def new_requirement(project: Project, sources: list[str], text: str, pattern: str | None = None,
                    criteria: Iterable[str] = (), priority: str = "medium", owner: str | None = None) -> RequirementSaved:
    """Write a new requirement from the answers of `sources`; one commit."""
    source_ids = _sources(project, sources)
    text = _check_text(text)
    pattern = _check_choice(pattern, PATTERNS, "pattern") if pattern else guess_pattern(text)
    priority = _check_choice(priority, PRIORITIES, "priority")
    criteria = _check_criteria(criteria)
    if owner:
        owner_id = _owner(project, owner)
    else:
        first = project.question(source_ids[0])
        owner_id = first.roles[0] if first.roles else ""

    def change(requirements: RequirementSet) -> tuple[Requirement | None, Requirement, bool]:
        made = Requirement(requirements.next_id(), text, pattern, source_ids, criteria, priority, "draft", owner_id)
        return None, made, True

    return _save(project, change, lambda _b, a: _message(f"Add requirement {a.id} (from {', '.join(a.sources)})", a))


def _existing(requirements: RequirementSet, requirement_id: str) -> Requirement:
    found = requirements.get(requirement_id.strip().upper())
    if found is None:
        raise UnknownRequirementError(f"unknown requirement {requirement_id!r}; `mlreq req list` shows the ids")
    return found


def edit_requirement(project: Project, requirement_id: str, *, text: str | None = None, pattern: str | None = None,
                     sources: list[str] | None = None, criteria: list[str] | None = None, priority: str | None = None,
                     status: str | None = None, owner: str | None = None) -> RequirementSaved:
    """Change fields of a requirement (not a retired one). Editing one that needs review
    settles the review, as editing a flagged answer does; a field set by hand settles
    the other side's version a sync kept."""
    values: dict[str, Any] = {}
    if text is not None:
        values["text"] = _check_text(text)
    if pattern is not None:
        values["pattern"] = _check_choice(pattern, PATTERNS, "pattern")
    if sources is not None:
        values["sources"] = _sources(project, sources)
    if criteria is not None:
        values["criteria"] = _check_criteria(criteria)
    if priority is not None:
        values["priority"] = _check_choice(priority, PRIORITIES, "priority")
    if status is not None:
        if status == "retired":
            raise InvalidInputError("retire with `mlreq req retire ID` (it stays in the file and history)")
        values["status"] = _check_choice(status, STATUSES[:3], "status")
    if owner is not None:
        values["owner"] = _owner(project, owner)
    if not values:
        raise InvalidInputError("nothing to change: give --text, --pattern, --from, --criterion, --priority, --status or --owner")

    def change(requirements: RequirementSet) -> tuple[Requirement, Requirement, bool]:
        current = _existing(requirements, requirement_id)
        if current.status == "retired":
            raise InvalidInputError(f"{current.id} is retired; retired requirements stay as they were (write a new one)")
        updated = replace(current, **values)
        if updated == current:
            return current, current, False
        if current.status == "needs-review" and "status" not in values:
            updated = replace(updated, status="draft")
        if updated.status != "needs-review":
            updated = replace(updated, review="")
        updated = replace(updated, conflict=tuple((k, v) for k, v in current.conflict if k not in values))
        return current, updated, False

    def message(before: Requirement, after: Requirement) -> str:
        names = [k for k in _ORDER if getattr_field(before, k) != getattr_field(after, k)]
        return _message(f"Edit requirement {after.id}: {', '.join(names)}", after)

    return _save(project, change, message)


def retire_requirement(project: Project, requirement_id: str) -> RequirementSaved:
    """Retire a requirement: it stays in the file and history with status retired."""

    def change(requirements: RequirementSet) -> tuple[Requirement, Requirement, bool]:
        current = _existing(requirements, requirement_id)
        if current.status == "retired":
            return current, current, False
        return current, replace(current, status="retired", review=""), False

    return _save(project, change, lambda _b, a: _message(f"Retire requirement {a.id}", a))
