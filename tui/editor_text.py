"""The answer as the answer box shows it, and back, without changing a character.

The box must never send a control character to the terminal, and Textual's TextArea
splits lines at CR, VT, FF, U+2028 and more, so the raw answer cannot be loaded as is.
`EditorText` shows each control character as a symbol (safetext's pictures), shows CR LF
line breaks as plain line breaks, and maps both back when the answer is saved: an answer
edited in the app keeps its CR LF line endings (new lines get them too) and its control
characters, and never gains symbols it did not have.

It is lossless by construction, checked per answer: an answer that holds both a control
character and a symbol standing for one (a literal "␛" next to an ESC) cannot be told
apart once shown, so `EditorText.of` refuses it and the app edits it only in $EDITOR.
While symbols map back (the answer had control characters), a symbol typed by hand
becomes its control character too; answers without control characters are saved as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlreq.projects.safetext import visible

# safetext.visible's characters, plus the Unicode line and paragraph separators, which a
# TextArea would turn into line breaks of its own newline style.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_SYMBOL = re.compile(r"[\u2400-\u2408\u240b-\u241f\u2421]|<U\+(?:00[89][0-9A-F]|202[89])>")


def _symbol(match: re.Match[str]) -> str:
    char = match.group()
    return f"<U+{ord(char):04X}>" if char in "\u2028\u2029" else visible(char)


def _control(match: re.Match[str]) -> str:
    symbol = match.group()
    if symbol.startswith("<U+"):
        return chr(int(symbol[3:-1], 16))
    return "\x7f" if symbol == "\u2421" else chr(ord(symbol) - 0x2400)


def shown_safely(text: str) -> str:
    """`text` with every control character and line separator shown as a symbol."""
    return _CONTROL.sub(_symbol, text)


@dataclass(frozen=True)
class EditorText:
    newline: str = "\n"
    """"\r\n" when every line break of the answer is CR LF: shown as "\n", saved back."""
    symbols: bool = False
    """Whether symbols stand for control characters (the answer held some)."""

    @classmethod
    def of(cls, answer: str) -> EditorText | None:
        """How to show `answer`; None when showing it would lose a character."""
        crlf = "\n" in answer and answer.count("\r\n") == answer.count("\n")
        body = answer.replace("\r\n", "\n") if crlf else answer
        codec = cls("\r\n" if crlf else "\n", _CONTROL.search(body) is not None)
        return codec if codec.answer(codec.shown(answer)) == answer else None

    def shown(self, answer: str) -> str:
        """What the answer box shows for `answer`."""
        body = answer.replace("\r\n", "\n") if self.newline == "\r\n" else answer
        return shown_safely(body)

    def answer(self, shown: str) -> str:
        """The answer to save for what the box holds."""
        body = _SYMBOL.sub(_control, shown) if self.symbols else shown
        return body.replace("\n", "\r\n") if self.newline == "\r\n" else body
