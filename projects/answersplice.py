"""Changing one question's fields in an answer file's text without tomlkit (issue 14).

tomlkit keeps any layout but costs a short `mlreq answer` more than everything else it
does (its import and its parse). The tables mlreq writes are simple: a `["<id>"]` header,
then `key = value` lines. For such a table the new value's text replaces the old one's
in place, a removed field's line goes, a new field's line comes after the table's last
line, as tomlkit does it; every other byte of the file stays. The file must first read,
with this module's narrow grammar, as exactly what tomllib read from it, else None: the
caller then does it with tomlkit (a hand-made layout, an inline table, a date, CR LF line
ends, ...). No TOML parser is imported: a short `mlreq answer` needs none.
"""

from __future__ import annotations

import re

from .answers import FIELDS, OPTIONAL_FIELDS, Entry, entry_from_table
from .tomlstr import toml_string_source

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

_BASIC = r'"(?:[^"\\\n]|\\[^\n])*"'
_VALUE = "|".join((
    r'"""(?:[^"\\]+|\\[\s\S]|"(?!""))*"""',  # multi-line basic (never followed by a 4th quote: see _ITEM)
    r"'''(?:[^']|'(?!''))*'''",  # multi-line literal
    _BASIC,
    r"'[^'\n]*'",
    rf"\[[ \t]*(?:(?:{_BASIC}|'[^'\n]*')[ \t]*,[ \t]*)*(?:(?:{_BASIC}|'[^'\n]*')[ \t]*,?[ \t]*)?\]",  # one-line array of strings
    r"[A-Za-z0-9_:.+\-]+",  # true, 42, 2026-03-02, ...
))
_ITEM = re.compile(rf"[ \t]*(?P<key>[A-Za-z0-9_-]+)[ \t]*=[ \t]*(?P<value>{_VALUE})(?![\"'])[ \t]*(?:#[^\n]*)?(?:\n|\Z)")
_BLANK = re.compile(r"[ \t]*\n")
_COMMENT = re.compile(r"[ \t]*#[^\n]*(?:\n|\Z)")
_HEADER = re.compile(r"[ \t]*\[")
_TABLE = re.compile(r'\["([^"\\\n]*)"\][ \t]*(?:#[^\n]*)?(?:\n|\Z)')
_STRING = re.compile(rf"{_BASIC}|'[^'\n]*'")
_ESCAPE = re.compile(r'\\(?:([btnfr"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|[ \t]*\n[ \t\n]*)')
_NAMED = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_NOT_A_STRING = object()


class _Table:
    def __init__(self, name: str, end: int) -> None:
        self.name = name
        self.items: dict[str, re.Match[str]] = {}
        self.end = end
        """Where its last line (an item or a comment) ends: a new field goes there."""


def splice_entry(text: str, data: dict[str, Any], question_id: str, entry: Entry) -> tuple[str, dict[str, Any]] | None:
    """(new text, its data) with `question_id`'s fields set to `entry`, changing only the
    fields that differ; None when the file is not laid out as mlreq writes it.

    The whole file is read with the narrow grammar above and must come out as exactly
    `data` (what tomllib read from it): then every span is known to be what it seems, and
    replacing a value by `toml_string_source`'s exact encoding gives the data expected.
    """
    if "\r" in text or question_id not in data:
        return None
    tables = _tables(text)
    if tables is None or [table.name for table in tables] != list(data):
        return None
    for table in tables:
        if {key: _decode(item["value"]) for key, item in table.items.items()} != data[table.name]:
            return None
    target = next(table for table in tables if table.name == question_id)
    items, current = target.items, entry_from_table(data[question_id])
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    added: list[str] = []
    expected = dict(data[question_id])
    for field in (*FIELDS, *OPTIONAL_FIELDS):
        value = getattr(entry, field)
        if field in OPTIONAL_FIELDS and not value:
            if field in items:
                edits.append((items[field].start(), items[field].end(), ""))
                del expected[field]
            continue
        if field in items and value == getattr(current, field):
            continue
        source = _source(value)
        if source is None:
            return None
        if field in items:
            edits.append((items[field].start("value"), items[field].end("value"), source))
        else:
            added.append(f"{field} = {source}\n")
        expected[field] = list(value) if field == "agreed_by" else value
    if added:
        prefix = "" if text[target.end - 1] == "\n" else "\n"
        edits.append((target.end, target.end, prefix + "".join(added)))
    for start, end, replacement in sorted(edits, key=lambda edit: edit[0], reverse=True):
        text = text[:start] + replacement + text[end:]
    return text, {**data, question_id: expected}


def _tables(text: str) -> list[_Table] | None:
    """The file's tables, each `["<id>"]` then `key = value` lines (strings, arrays of
    strings), blank lines and comments; None for anything else (tomlkit's job)."""
    tables: list[_Table] = []
    position = 0
    while position < len(text):
        if _HEADER.match(text, position):
            header = _TABLE.match(text, position)
            if header is None:
                return None
            tables.append(_Table(header[1], header.end()))
            position = header.end()
        elif item := _ITEM.match(text, position):
            if not tables or item["key"] in tables[-1].items:
                return None
            tables[-1].items[item["key"]] = item
            position = tables[-1].end = item.end()
        elif comment := _COMMENT.match(text, position):
            position = comment.end()
            if tables:
                tables[-1].end = position
        elif blank := _BLANK.match(text, position):
            position = blank.end()
        else:
            return None
    return tables


def _decode(source: str) -> object:
    """A value's text as TOML reads it: strings and arrays of strings only."""
    if source.startswith(('"""', "'''")):
        body = source[3:-3].removeprefix("\n")  # a newline right after the opening quotes is not part of it
        return _unescape(body) if source[0] == '"' else body
    if source.startswith('"'):
        return _unescape(source[1:-1])
    if source.startswith("'"):
        return source[1:-1]
    if source.startswith("["):
        return [_decode(string) for string in _STRING.findall(source)]
    return _NOT_A_STRING


def _unescape(body: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match[1]:
            return _NAMED[match[1]]
        code = match[2] or match[3]
        return chr(int(code, 16)) if code else ""  # a backslash ending a line: trimmed, with what follows

    return _ESCAPE.sub(one, body)


def _source(value: str | tuple[str, ...]) -> str | None:
    """A value as mlreq writes it (the text tomlkit would render for `_item`)."""
    if isinstance(value, tuple):
        if not all(re.fullmatch(r"[A-Za-z0-9_.-]+", role) for role in value):
            return None
        return "[" + ", ".join(f'"{role}"' for role in value) + "]"
    multiline = "\n" in value
    quotes = '"""' if multiline else '"'
    return quotes + toml_string_source(value, multiline) + quotes
