"""Exact TOML string encoding for answers.

tomlkit's own encoder turns a raw CR LF into LF on reading back and escapes long strings
in quadratic time; answers must round-trip byte for byte (tomllib reads back exactly what
was typed), so mlreq writes the string's source text itself.
"""

from __future__ import annotations

import re
from functools import cache

from .errors import InvalidInputError

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from tomlkit.items import String

# Everything TOML's basic strings cannot hold raw, except LF and TAB which read well.
_NEEDS_ESCAPE = r'[\x00-\x08\x0a-\x1f\x7f\\"]'
_NAMED = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\\": "\\\\"}
_SURROGATE = r"[\ud800-\udfff]"


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """Compiled on first use: `mlreq show` and `status` never write a string."""
    return re.compile(pattern)


def check_encodable(text: str, what: str = "answer") -> None:
    """Refuse text that cannot be stored as UTF-8 (a lone surrogate) with a clear message."""
    match = _compiled(_SURROGATE).search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise InvalidInputError(
            f"{what} contains a lone surrogate U+{ord(match.group()):04X} at line {line}; "
            "it cannot be saved as UTF-8"
        )


def toml_string_source(text: str, multiline: bool) -> str:
    """The body of a basic TOML string (without delimiters) that reads back as `text`."""

    def escape(match: re.Match[str]) -> str:
        char = match.group()
        end = match.end()
        if char == '"':
            # In a multi-line string a quote is raw unless it could start or end a `"""`.
            if multiline and end < len(text) and text[end] != '"':
                return '"'
            return '\\"'
        if multiline and char == "\n":
            return "\n"
        return _NAMED.get(char) or f"\\u{ord(char):04X}"

    body = _compiled(_NEEDS_ESCAPE).sub(escape, text)
    # The newline right after the opening `"""` is dropped by TOML readers.
    return "\n" + body if multiline else body


def toml_string(text: str) -> String:
    """A tomlkit string item for `text`: multi-line when it has line breaks."""
    from tomlkit.items import String, StringType, Trivia

    check_encodable(text)
    multiline = "\n" in text
    kind = StringType.MLB if multiline else StringType.SLB
    return String(kind, text, toml_string_source(text, multiline), Trivia())
