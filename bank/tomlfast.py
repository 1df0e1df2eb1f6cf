"""A fast exact reader for the plain TOML mlreq writes (form.toml, requirements.toml).

tomllib is general and pure Python: a 2,000-question form.toml (600 KB) takes it about
130 ms and 5,000 requirements (1.5 MB) about 300 ms, most of a short command's time
(issue 13, "Speed"). This reader handles the TOML those files are made of, in one
regular-expression pass, and gives up (None) on anything else, which tomllib then reads:

- comments, blank lines, `key = value` with a bare key;
- values: basic, literal and multi-line strings, decimal integers, booleans, arrays of
  one-line strings (over several lines too, with a trailing comma);
- tables `[name]`, arrays of tables `[[name]]` and a sub-table `[name.sub]` of the array's
  last element, right after it;
- no CR and no control character anywhere (those are left to tomllib, which says what is
  wrong with them).

Whatever it accepts it reads exactly as tomllib does: `tests/requirements/test_reqtoml_property.py`
compares the two on random files. `read` also says where each array element and each
top-level value is, for edits that change only those bytes (`projects/reqtoml.py`).
"""

from __future__ import annotations

import re

from .record import Record, init_fields

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

# Raw characters TOML allows nowhere (tab and LF aside) and CR: files holding any are left to tomllib.
_OUTSIDE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Possessive quantifiers (*+): a string or an array can end in one place only, so giving
# characters back never finds another match; it would only make a broken 16 MB file slow.
_BASIC_BODY = r'[^"\\\n]*+(?:\\[^\n][^"\\\n]*+)*+'
_ITEM = rf"\"{_BASIC_BODY}\"|'[^'\n]*'"
_ARRAY = rf"\[(?:[ \t\n]*+(?:{_ITEM})[ \t\n]*+,)*+[ \t\n]*+(?:(?:{_ITEM})[ \t\n]*+)?\]"
# A multi-line string's body: a delimiter character is content unless two more follow it.
_ML_BODY = r'[^"\\]*+(?:(?:\\[\s\S]|"(?!""))[^"\\]*+)*+'
_ML_LITERAL_BODY = r"[^']*+(?:'(?!'')[^']*+)*+"
_KEY = r"[A-Za-z0-9_-]+"
_TAIL = r"[ \t]*(?:#[^\n]*)?\n"
STATEMENT = re.compile(
    r"[ \t]*(?:"
    rf"(?P<key>{_KEY})[ \t]*=[ \t]*(?P<value>"
    rf'"""(?P<ml>{_ML_BODY})"""(?P<quotes>"{{0,2}})'
    rf'|"(?P<basic>{_BASIC_BODY})"'
    rf"|'''(?P<mll>{_ML_LITERAL_BODY})'''(?P<apostrophes>'{{0,2}})"
    r"|'(?P<literal>[^'\n]*)'"
    r"|(?P<int>[+-]?(?:0|[1-9][0-9]*))(?![0-9A-Za-z_.:+-])"
    r"|(?P<bool>true|false)"
    rf"|(?P<array>{_ARRAY})"
    rf"){_TAIL}"
    rf"|\[\[[ \t]*(?P<aot>{_KEY})[ \t]*\]\]{_TAIL}"
    rf"|\[[ \t]*(?P<table>{_KEY})[ \t]*(?:\.[ \t]*(?P<sub>{_KEY})[ \t]*)?\]{_TAIL}"
    r"|(?:#[^\n]*)?\n"
    r")"
)
"""One statement (a line, or several for a multi-line value), from the start of its line
through its newline: what it is depends only on its own text."""
_ARRAY_ITEM = re.compile(rf"\"({_BASIC_BODY})\"|'([^'\n]*)'")
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[\s\S])")
_NAMED = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _Outside(Exception):
    """The text uses TOML this reader leaves to tomllib."""


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    if code in _NAMED:
        return _NAMED[code]
    if len(code) > 1:
        number = int(code[1:], 16)
        if number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
            raise _Outside  # tomllib says why
        return chr(number)
    raise _Outside  # an unknown escape, or a line-ending backslash


def unescape(body: str) -> str:
    """A basic string's value from its source text between the quotes."""
    return _ESCAPE.sub(_unescape_one, body) if "\\" in body else body


def value_of(found: re.Match[str]) -> Any:
    """The value of a `key = value` statement (`_Outside` for escapes left to tomllib)."""
    _, _, ml, quotes, basic, mll, apostrophes, literal, integer, boolean, array, *_ = found.groups()
    if basic is not None:
        return unescape(basic)
    if ml is not None:
        return unescape(ml[1:] if ml.startswith("\n") else ml) + quotes
    if array is not None:
        return [unescape(i[1]) if i[1] is not None else i[2] for i in _ARRAY_ITEM.finditer(array)]
    if literal is not None:
        return literal
    if integer is not None:
        return int(integer)
    if boolean is not None:
        return boolean == "true"
    return (mll[1:] if mll.startswith("\n") else mll) + apostrophes


class Parsed(Record):
    """A text `read` could read: its data (as tomllib gives it) and where its parts are."""

    __slots__ = ("text", "data", "elements", "top", "body_start")
    text: str
    """The text read (with a final newline added when it had none)."""
    data: dict[str, Any]
    elements: dict[str, list[tuple[int, int, int]]]
    """Each array of tables' elements: the span from its `[[name]]` line to the end of its
    last statement (sub-table included; blank and comment lines after it excluded), and
    the offset of its `id` line (-1: none)."""
    top: dict[str, tuple[int, int]]
    """The value span of each top-level key."""
    body_start: int
    """Where the first table starts (the end of the text when there is none)."""

    def __init__(
        self, text: str, data: dict[str, Any], elements: dict[str, list[tuple[int, int, int]]],
        top: dict[str, tuple[int, int]], body_start: int,
    ) -> None:
        init_fields(self, text, data, elements, top, body_start)


def loads(text: str) -> dict[str, Any] | None:
    """What `tomllib.loads(text)` gives, or None when the text is not TOML this reader reads."""
    parsed = read(text)
    return None if parsed is None else parsed.data


def read(text: str) -> Parsed | None:
    if _OUTSIDE.search(text):
        return None
    if not text.endswith("\n"):
        text += "\n"  # TOML does not need the last newline; the statements here do
    data: dict[str, Any] = {}
    arrays: dict[str, list[dict[str, Any]]] = {}
    top: dict[str, tuple[int, int]] = {}
    target: dict[str, Any] = data
    element: dict[str, Any] | None = None  # the array element whose statements these are
    span: list[int] | None = None
    spans: dict[str, list[list[int]]] = {}
    pos, body_start = 0, len(text)
    try:
        for found in iter(STATEMENT.scanner(text).match, None):  # each match starts where the last ended
            key, _, ml, quotes, basic, mll, apostrophes, literal, integer, boolean, array, aot, table, sub = found.groups()
            end = found.end()
            if key is not None:
                if key in target:
                    return None
                if basic is not None:  # the usual case first, inline
                    target[key] = unescape(basic) if "\\" in basic else basic
                else:
                    target[key] = value_of(found)
                if target is data:
                    top[key] = (found.start("value"), found.end("value"))
                elif span is not None:
                    span[1] = end
                    if key == "id" and target is element:
                        span[2] = pos
            elif aot is not None:
                body_start = min(body_start, pos)
                if aot not in arrays:
                    if aot in data:
                        return None
                    data[aot] = arrays[aot] = []
                target = element = {}
                arrays[aot].append(element)
                span = [pos, end, -1]
                spans.setdefault(aot, []).append(span)
            elif table is not None:
                body_start = min(body_start, pos)
                if sub is None:
                    if table in data:
                        return None
                    target = data[table] = {}
                    element = span = None
                else:  # only a sub-table of the element just read: its span stays in one piece
                    if element is None or arrays.get(table, [None])[-1] is not element or sub in element:
                        return None
                    target = element[sub] = {}
                    span[1] = end  # type: ignore[index]
            pos = end
    except _Outside:
        return None
    if pos != len(text):
        return None  # a line this reader does not know
    return Parsed(text, data, {k: [(s, e, i) for s, e, i in v] for k, v in spans.items()}, top, body_start)
