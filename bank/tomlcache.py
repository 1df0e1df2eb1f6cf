"""Parsed TOML kept between runs, so a short command does not parse the 40 KB form again
(nor import tomllib) each time it starts (issue 14).

An entry is named by a digest of the file's bytes, so it only ever stands for exactly the
bytes it was parsed from (or, for an answer file mlreq has just changed in its text, the
data that change was checked to give: projects/answersplice.py). It is plain JSON in the
user's cache folder (never in a work tree: every repository is hostile), written
atomically, and kept only when it reads back equal to the data given. Anything wrong with the cache (missing, unreadable,
garbled, no HOME) just means parsing the file, as without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing (~3 ms a start, issue 14)
if TYPE_CHECKING:
    from typing import Any

try:
    from _blake2 import blake2b  # what hashlib.blake2b is; hashlib itself also loads OpenSSL (~3 ms)
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b

FORMAT = "toml-1"
"""The folder's name: a change to the encoding below starts a new, empty cache."""
MAX_ENTRIES = 256
"""Entries kept; the oldest go when a new one is written (file versions come and go)."""
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_TIME = "\x00toml-time"
"""Tags TOML's dates and times in JSON; a table that looks like the tag fails the
read-back check and is simply not cached."""


def cached_parse(data: bytes, parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`parse()` of these bytes, or what an earlier parse of the very same bytes left.

    `parse` raises for a broken file; nothing is cached then, so the error is raised the
    same way every time.
    """
    folder = cache_folder()
    if folder is None:
        return parse()
    name = os.path.join(folder, blake2b(data, digest_size=32).hexdigest() + ".json")
    found = load_entry(name)
    if found is not None:
        return found
    parsed = parse()
    store_entry(folder, name, parsed)
    return parsed


def cache_folder() -> str | None:
    """$XDG_CACHE_HOME/mlreq/<FORMAT>, else ~/.cache/mlreq/<FORMAT>; None without either."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        home = os.environ.get("HOME", "")
        if not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return os.path.join(base, "mlreq", FORMAT)


def load_entry(name: str) -> dict[str, Any] | None:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as handle:
            text = handle.read(MAX_ENTRY_BYTES + 1)
    except OSError:
        return None
    if len(text) > MAX_ENTRY_BYTES:
        return None
    import json

    try:
        value = json.loads(text, object_hook=_decode_time)
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def store_entry(folder: str, name: str, parsed: dict[str, Any]) -> None:
    import json

    try:
        text = json.dumps(parsed, default=_encode_time)  # ASCII: every other character escaped
        if json.loads(text, object_hook=_decode_time) != parsed:
            return  # NaN, a table shaped like the tag, ...: not worth keeping
    except (TypeError, ValueError, KeyError, RecursionError):
        return
    write_entry(folder, name, text)


def write_entry(folder: str, name: str, text: str, keep: int | None = None) -> None:
    """Write an entry whole (a temporary file, then a rename; never through a link) and keep
    the newest `keep` (MAX_ENTRIES) files of `folder`. A failure only means working it out again next time."""
    temporary = f"{name}.{os.getpid()}.tmp"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("ascii"))
        os.replace(temporary, name)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return
    _prune(folder, MAX_ENTRIES if keep is None else keep)


def _prune(folder: str, keep: int) -> None:
    """Keep the newest `keep` files (a temporary one a killed writer left goes too, in time)."""
    try:
        with os.scandir(folder) as listing:
            entries = [(entry.stat(follow_symlinks=False).st_mtime, entry.path) for entry in listing if entry.is_file(follow_symlinks=False)]
    except OSError:
        return
    if len(entries) <= keep:
        return
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        try:
            os.unlink(path)
        except OSError:
            pass


def _encode_time(value: object) -> object:
    date, datetime, time = _time_types()
    for kind in (datetime, date, time):  # datetime before its base, date
        if isinstance(value, kind):
            return {_TIME: [kind.__name__, value.isoformat()]}
    raise TypeError(f"not JSON: {type(value).__name__}")


def _decode_time(table: dict[str, Any]) -> object:
    if len(table) != 1 or _TIME not in table:
        return table
    date, datetime, time = _time_types()
    kind, text = table[_TIME]
    parse = {"datetime": datetime, "date": date, "time": time}[kind].fromisoformat
    return parse(text)


def _time_types() -> tuple[type, type, type]:
    """datetime's date, datetime and time. Its C module holds them: the Python module,
    which only re-exports them, costs ~1.5 ms, and mlreq.toml's `created` needs them."""
    try:
        from _datetime import date, datetime, time
    except ImportError:  # pragma: no cover - another Python implementation
        from datetime import date, datetime, time
    return date, datetime, time
