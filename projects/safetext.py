"""Make text from files safe to print: control characters become visible, never raw.

Answers arrive from other people through git; an escape sequence in one must not retitle
or repaint the reader's terminal.
"""

from __future__ import annotations

import re

# C0 controls except TAB and LF, DEL, and the C1 block (0x9b is a one-byte CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: ␀ ... ␛ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def visible(text: str) -> str:
    """`text` with every control character except tab and newline shown as a symbol."""
    return _CONTROL.sub(_picture, text)


def has_controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


_C1 = re.compile(r"[\x80-\x9f\u2028\u2029]")


def safe_json(data: object) -> str:
    """JSON that keeps Unicode readable but escapes every control character.

    `json.dumps(ensure_ascii=False)` escapes C0 controls only; a raw C1 control such as
    U+009B (a one-byte CSI) would still reach a terminal that prints the output.
    """
    import json

    text = json.dumps(data, ensure_ascii=False, indent=2)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class VisibleWriter:
    """A text stream for terminals: control characters written to it become symbols."""

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(visible(text))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()
