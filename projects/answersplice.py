"""Changing one question's fields in an answer file's text without tomlkit (issue 14).

tomlkit keeps any layout but costs a short `mlreq answer` more than everything else it
does (its import and its parse). The tables mlreq writes are simple: a `["<id>"]` header,
then `key = value` lines. For such a table the new value's text replaces the old one's
in place, a removed field's line goes, a new field's line comes after the table's last
line, as tomlkit does it; every other byte of the file stays. Each result is read back
with tomllib and must hold exactly the data expected, else None: the caller then does it
with tomlkit (a hand-made layout, an inline table, CR LF line ends, ...).
"""

from __future__ import annotations

import re
from typing import Any

from .answers import FIELDS, OPTIONAL_FIELDS, Entry, entry_from_table
from .tomlstr import toml_string_source

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


def splice_entry(text: str, data: dict[str, Any], question_id: str, entry: Entry) -> tuple[str, dict[str, Any]] | None:
    """(new text, its parsed data) with `question_id`'s fields set to `entry`, changing only
    the fields that differ; None when the table is not a simple one (or absent)."""
    if "\r" in text or question_id not in data:
        return None
    headers = [m for m in re.finditer(rf'^\["{re.escape(question_id)}"\][ \t]*(?:#[^\n]*)?(?:\n|\Z)', text, re.MULTILINE)]
    if len(headers) != 1:
        return None
    items: dict[str, re.Match[str]] = {}
    position = content_end = headers[0].end()
    while position < len(text) and not _HEADER.match(text, position):
        if item := _ITEM.match(text, position):
            items[item["key"]] = item
            position = content_end = item.end()
        elif comment := _COMMENT.match(text, position):
            position = content_end = comment.end()
        elif blank := _BLANK.match(text, position):
            position = blank.end()
        else:
            return None
    table = data[question_id]
    if not isinstance(table, dict) or set(items) != set(table):
        return None
    current = entry_from_table(table)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    added: list[str] = []
    expected = dict(table)
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
        prefix = "" if content_end == 0 or text[content_end - 1] == "\n" else "\n"
        edits.append((content_end, content_end, prefix + "".join(added)))
    new_text = text
    for start, end, replacement in sorted(edits, key=lambda edit: edit[0], reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    import tomllib

    try:
        parsed = tomllib.loads(new_text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    if parsed != {**data, question_id: expected}:
        return None
    return new_text, parsed


def _source(value: str | tuple[str, ...]) -> str | None:
    """A value as mlreq writes it (the text tomlkit would render for `_item`)."""
    if isinstance(value, tuple):
        if not all(re.fullmatch(r"[A-Za-z0-9_.-]+", role) for role in value):
            return None
        return "[" + ", ".join(f'"{role}"' for role in value) + "]"
    multiline = "\n" in value
    quotes = '"""' if multiline else '"'
    return quotes + toml_string_source(value, multiline) + quotes
