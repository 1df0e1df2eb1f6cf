"""Read a TOML file, turning every failure into one line that says file:line:col."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import BankError
from .tomlcache import cached_parse

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

    import tomllib  # imported where a file is parsed: a cached one needs no parser

MAX_TOML_BYTES = 16 * 1024 * 1024
_TOMLLIB_POSITION = r"\s*\(at line (\d+), column (\d+)\)$"  # these two are compiled where a file is broken


def decode_utf8(data: bytes, path: Path | str, error: type[BankError] = BankError) -> str:
    """Decode file bytes, naming the line of the first bad byte if they are not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            f"{path}:{line}:{column}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def tomllib_error_line(exc: tomllib.TOMLDecodeError, path: Path | str) -> str:
    """Rewrite tomllib's "message (at line L, column C)" as "path:L:C: message"."""
    text = str(exc)
    match = re.search(_TOMLLIB_POSITION, text)
    if match:
        return f"{path}:{match[1]}:{match[2]}: {text[: match.start()]}"
    return f"{path}: {text}"


_MARKERS = r"^<{7}(?: .*)?\n(?:.*\n)*?={7}\n(?:.*\n)*?>{7}(?: .*)?$"


def merge_conflict_error(text: str, path: Path | str) -> str | None:
    """The message for a file holding git's conflict markers (a line-by-line merge), else None.

    Checked before parsing: markers usually make the TOML invalid ("Invalid statement",
    which says nothing useful), and inside a multi-line answer they would parse silently.
    """
    if "<<<<<<<" not in text:  # a match needs one; a regex search of 1.5 MB costs 10 ms
        return None
    match = re.search(_MARKERS, text.replace("\r\n", "\n"), re.MULTILINE)
    if match is None:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return (
        f"{path}:{line}: merge conflict: git merged this file line by line and left conflict markers "
        f"(<<<<<<< ======= >>>>>>>); during the merge, `git checkout -m -- {path}` merges it again by question "
        f"with mlreq's merge driver (mlreq commands configure it), then `git add -- {path}` and `git commit`; "
        "otherwise edit the file, keep the right text, delete the marker lines and commit"
    )


def read_toml(path: Path, error: type[BankError] = BankError) -> dict[str, Any]:
    """Parse a TOML file into plain Python data."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_TOML_BYTES + 1)  # a form is ~100 KB; /dev/zero must not fill memory
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_TOML_BYTES:
        raise error(f"{path}: more than {MAX_TOML_BYTES // 2**20} MiB; not a form file")
    return cached_parse(data, lambda: _parse(data, path, error))


def _parse(data: bytes, path: Path, error: type[BankError]) -> dict[str, Any]:
    import tomllib

    text = decode_utf8(data, path, error)
    conflict = merge_conflict_error(text, path)
    if conflict:
        raise error(conflict)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(tomllib_error_line(exc, path)) from None
    except RecursionError:
        raise error(f"{path}: values nested too deeply to read") from None
