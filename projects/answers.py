"""One stage's answer file: TOML edited in place so hand-made layout and comments survive.

Each question is a table keyed by its id:

    ["data.data-source"]
    status = "draft"
    answer = \"\"\"
    Charger telemetry ...\"\"\"
    notes = ""
"""

from __future__ import annotations

import re
from pathlib import Path

from mlreq.bank import STATUSES
from mlreq.bank.record import Record, init_fields
from mlreq.bank.tomlcache import cached_parse
from mlreq.bank.tomlread import decode_utf8, merge_conflict_error, tomllib_error_line

from .errors import InvalidInputError, ProjectFileError
from .tomlstr import toml_string

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

    from tomlkit.items import Item, Table
    from tomlkit.toml_document import TOMLDocument

FIELDS = ("status", "answer", "notes")
OPTIONAL_FIELDS = ("review", "conflict", "agreed_by")
"""Written only while they hold something: `review` says why an answer needs review;
`conflict` holds the other side's answer when both sides of a sync changed it;
`agreed_by` lists the roles (ids) that signed the answer off."""


class Entry(Record):
    """What a team recorded for one question."""

    __slots__ = ("answer", "status", "notes", "review", "conflict", "agreed_by")
    answer: str
    status: str
    notes: str
    review: str
    """Why the answer needs review (an upstream answer changed); empty otherwise."""
    conflict: str
    """The other side's answer after a sync changed it on both sides; empty otherwise."""
    agreed_by: tuple[str, ...]
    """The roles (form role ids) that agreed the answer; empty when not recorded."""

    def __init__(
        self, answer: str = "", status: str = "open", notes: str = "", review: str = "", conflict: str = "",
        agreed_by: tuple[str, ...] = (),
    ) -> None:
        init_fields(self, answer, status, notes, review, conflict, agreed_by)

    @property
    def answered(self) -> bool:
        return bool(self.answer.strip())

    def with_changes(self, **changes: str | tuple[str, ...] | None) -> Entry:
        return self._replace(**{k: v for k, v in changes.items() if v is not None})  # type: ignore[return-value]


EMPTY = Entry()


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInputError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    return status


class AnswerFile:
    """A parsed answer file that remembers its exact layout.

    Reading uses the fast stdlib parser. A change to a table laid out as mlreq writes it is
    made in the text itself (answersplice); the tomlkit document that keeps any other
    layout and comments is built only for the rest (tomlkit is slow to import and to
    parse, and most files are only read).
    """

    def __init__(self, path: Path, text: str, data: dict[str, Any], document: TOMLDocument | None = None) -> None:
        self.path = path
        self._text = text
        self._data = data
        self._document = document
        self._spliced = False
        """The text was changed in place (answersplice): `_data` is what it reads as."""

    @property
    def document(self) -> TOMLDocument:
        if self._document is None:
            import tomlkit

            try:
                self._document = tomlkit.parse(self._text)
            except (tomlkit.exceptions.ParseError, RecursionError) as exc:
                # tomllib read it, tomlkit (which keeps the layout) cannot: e.g. deep nesting.
                raise ProjectFileError(f"{self.path}: cannot be edited ({exc}); fix the file (mlreq left it untouched)") from None
        return self._document

    @classmethod
    def parse(cls, path: Path, data: bytes, display: str | None = None, cached: bool = False) -> AnswerFile:
        """Parse file bytes; broken files raise ProjectFileError with file:line:col.

        `cached`: the work tree's files, read again and again, keep their parsed form in
        the user's cache (bank/tomlcache.py); the versions history reads do not.
        """
        shown = display or str(path)
        text = decode_utf8(data, shown, ProjectFileError)
        parsed = cached_parse(data, lambda: _parse(text, shown)) if cached else _parse(text, shown)
        answer_file = cls(path, text, parsed)
        answer_file.validate(shown)
        return answer_file

    @classmethod
    def new(cls, path: Path, header: str, questions: list[tuple[str, str]]) -> AnswerFile:
        """A fresh file with an open entry per (id, question text), each under its question."""
        import tomlkit

        document = tomlkit.document()
        for line in header.splitlines():
            document.add(tomlkit.comment(line.lstrip("# ")))
        for question_id, text in questions:
            document.add(tomlkit.nl())
            table = _entry_table(EMPTY)
            table.comment(text.replace("\n", " "))
            document.add(question_id, table)
        text = tomlkit.dumps(document)
        return cls(path, text, {qid: _fields(EMPTY) for qid, _ in questions}, document)

    def validate(self, shown: str) -> None:
        for key, value in self._data.items():
            if not isinstance(value, dict):
                raise ProjectFileError(f"{shown}:{self.line_of(key)}: {key!r} should be a table [\"question.id\"]")
            status = value.get("status", "open")
            if status not in STATUSES:
                raise ProjectFileError(
                    f"{shown}:{self.line_of(key)}: question {key!r}: unknown status {status!r} "
                    f"(use one of {', '.join(STATUSES)})"
                )
            for field in (*FIELDS, *OPTIONAL_FIELDS):
                if field == "agreed_by":
                    roles = value.get(field, [])
                    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                        raise ProjectFileError(
                            f"{shown}:{self.line_of(key)}: question {key!r}: agreed_by must be a list of role ids"
                        )
                elif field in value and not isinstance(value[field], str):
                    raise ProjectFileError(f"{shown}:{self.line_of(key)}: question {key!r}: {field} must be a string")

    def line_of(self, question_id: str) -> int:
        """The 1-based line of a question's table header, for messages."""
        pattern = re.compile(r'^[ \t]*\[\s*["\']?' + re.escape(question_id) + r'["\']?\s*\]', re.MULTILINE)
        match = pattern.search(self._text)
        return self._text.count("\n", 0, match.start()) + 1 if match else 1

    def question_ids(self) -> list[str]:
        return list(self._data.keys())

    def entries(self) -> dict[str, Entry]:
        return {key: self.entry(key) for key in self._data}

    def entry(self, question_id: str) -> Entry:
        table = self._data.get(question_id)
        if table is None:
            return EMPTY
        return entry_from_table(table)

    def set_entry(self, question_id: str, entry: Entry) -> None:
        """Change only the fields that differ, so `git diff` shows only those lines."""
        if self._document is None:  # a table as mlreq writes it: its text changed in place
            from .answersplice import splice_entry

            spliced = splice_entry(self._text, self._data, question_id, entry)
            if spliced is not None:
                self._text, self._data = spliced
                self._spliced = True
                return
        import tomlkit

        document = self.document
        table = document.get(question_id)
        self._data[question_id] = _fields(entry)
        if table is None:
            document.add(tomlkit.nl())
            document.add(question_id, _entry_table(entry))
            return
        current = entry_from_table(table)
        for field in FIELDS:
            value = getattr(entry, field)
            if value != getattr(current, field) or field not in table:
                _set_keeping_trivia(table, field, _item(field, value))
        for field in OPTIONAL_FIELDS:
            value = getattr(entry, field)
            if not value and field in table:
                del table[field]
            elif value and value != getattr(current, field):
                _set_keeping_trivia(table, field, _item(field, value))

    def dumps(self) -> bytes:
        if self._document is None:
            data = self._text.encode("utf-8")
            if self._spliced:  # what these bytes read as (answersplice checked it): the next command needs no parse
                cached_parse(data, lambda: self._data)
            return data
        text = self._document.as_string()
        self._text = text
        return text.encode("utf-8")


def _parse(text: str, shown: str) -> dict[str, Any]:
    import tomllib  # only here: a cached file needs no parser

    conflict = merge_conflict_error(text, shown)
    if conflict:
        raise ProjectFileError(conflict)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectFileError(f"{tomllib_error_line(exc, shown)}; fix the file (mlreq left it untouched)") from None
    except RecursionError:
        raise ProjectFileError(f"{shown}: values nested too deeply to read; fix the file (mlreq left it untouched)") from None


_DEFAULTS = {"answer": "", "status": "open", "notes": "", "review": "", "conflict": ""}


def entry_from_table(table: Any) -> Entry:
    """An Entry from one question's parsed table (tomllib dict or tomlkit Table)."""
    roles = table.get("agreed_by", [])
    agreed_by = tuple(str(r) for r in roles) if isinstance(roles, list) else ()
    return Entry(**{field: str(table.get(field, default)) for field, default in _DEFAULTS.items()}, agreed_by=agreed_by)


def _fields(entry: Entry) -> dict[str, Any]:
    fields: dict[str, Any] = {field: getattr(entry, field) for field in _DEFAULTS if field in FIELDS or getattr(entry, field)}
    if entry.agreed_by:
        fields["agreed_by"] = list(entry.agreed_by)
    return fields


def _item(field: str, value: str | tuple[str, ...]) -> Item:
    import tomlkit

    if field == "agreed_by":
        return tomlkit.item(list(value))
    return tomlkit.item(value) if field == "status" else toml_string(value)


def _entry_table(entry: Entry) -> Table:
    import tomlkit

    table = tomlkit.table()
    for field in FIELDS:
        table.add(field, _item(field, getattr(entry, field)))
    for field in OPTIONAL_FIELDS:
        if getattr(entry, field):
            table.add(field, _item(field, getattr(entry, field)))
    return table


def _set_keeping_trivia(table: Table, key: str, item: Item) -> None:
    # A comment after the value (`status = "agreed"  # per Ana`) belongs to the line.
    from tomlkit.items import Item

    old = table.get(key)
    if isinstance(old, Item):
        item.trivia.indent = old.trivia.indent
        item.trivia.comment_ws = old.trivia.comment_ws
        item.trivia.comment = old.trivia.comment
        item.trivia.trail = old.trivia.trail
    table[key] = item
