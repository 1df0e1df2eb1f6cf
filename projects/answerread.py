"""Reading answer files the way mlreq writes them, fast; anything else is tomllib's.

History reads hundreds of versions of stage files (a timeline, both ends of a diff), and
tomllib reads every string one character at a time in Python: that was most of a diff's
time. mlreq writes a narrow shape (`["id"]` headers; `key = "..."`, `key = \"\"\"...\"\"\"`
and one-line arrays of such strings; comments; no escapes), which regular expressions read
exactly. A text with anything outside that shape (a backslash, a control character, CR, a
number, a dotted key, a repeated key or table...) returns None, and the caller parses it
with tomllib, which also reports the errors: the fast path never decides a file is broken.
"""

from __future__ import annotations

import re
from functools import cache

_SPACE = r"[ \t]*"
_COMMENT = r"(?:#[^\n]*)?"
_BASIC = r'"[^"\n]*"'


@cache
def _compiled() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The outside-shape, statement and array-item patterns, compiled at first use: about
    6 ms that `mlreq log QID` need not pay when every version it shows was read before."""
    outside_shape = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\\\ufeff]")  # escapes, CR, control characters, a BOM: tomllib's job
    statement = re.compile(
        rf"{_SPACE}(?:"
        rf'\[{_SPACE}"(?P<table>[^"\n]*)"{_SPACE}\]'
        rf"|(?P<key>[A-Za-z0-9_-]+){_SPACE}={_SPACE}(?:"
        rf'"""(?P<long>(?:[^"]|"(?!""))*)"""'
        rf'|"(?P<short>[^"\n]*)"'
        rf"|\[(?P<array>{_SPACE}(?:{_BASIC}{_SPACE},{_SPACE})*(?:{_BASIC}{_SPACE})?)\]"
        rf"))?{_SPACE}{_COMMENT}(?:\n|\Z)"
    )
    return outside_shape, statement, re.compile(_BASIC)


def read_answers(text: str) -> dict[str, dict[str, str | list[str]]] | None:
    """The tables of an answer file as tomllib would return them, or None when the text
    is not in the shape mlreq writes (then parse it with tomllib)."""
    outside_shape, statement, array_item = _compiled()
    if outside_shape.search(text):
        return None
    tables: dict[str, dict[str, str | list[str]]] = {}
    table: dict[str, str | list[str]] | None = None
    position, end = 0, len(text)
    match_at = statement.match
    while position < end:
        found = match_at(text, position)
        if found is None or found.end() == position:
            return None
        position = found.end()
        name, key = found.group("table", "key")
        if name is not None:
            if name in tables:
                return None  # a table defined twice: tomllib's error to report
            table = tables[name] = {}
        elif key is not None:
            if table is None or key in table:
                return None  # a top-level key or a repeated one
            long, short, array = found.group("long", "short", "array")
            if long is not None:
                table[key] = long[1:] if long.startswith("\n") else long  # TOML drops the newline after \"\"\"
            elif short is not None:
                table[key] = short
            else:
                table[key] = [item[1:-1] for item in array_item.findall(array)]
    return tables
