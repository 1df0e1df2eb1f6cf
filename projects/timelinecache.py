"""One answer's versions as read before, by the git blob id of its stage file's version.

A timeline (`mlreq log QID`) reads hundreds of versions of a stage file, and `cat-file`
rebuilding each from its pack's delta chain costs git more than the whole `git log` it is
measured against (issue 11, "Speed"). What a version holds for one question never changes
(a blob id names its bytes), so the question's table is kept here: the next timeline asks
git only for versions it has not read yet.

Safety, as for the parse cache (`bank/tomlcache.py`): the file lives in the user's cache
folder, never in a work tree; it is plain JSON; an entry is kept only for bytes whose git
blob id was computed here from those very bytes (a repository cannot make mlreq remember
other content under an id: git does not check the objects it reads); anything wrong with
the file just means asking git. What is kept is exactly what `history._entry_in` read (the
question's table, or None), and "the whole file reads" only where that was checked.
"""

from __future__ import annotations

import os

FORMAT = "timeline-1"
"""The folder's name: a change to what is kept starts a new, empty cache."""
MAX_VERSIONS = 5_000
"""Versions kept per question (the newest read); a longer history asks git for the rest."""
MAX_FILES = 256
MAX_FILE_BYTES = 32 * 1024 * 1024

Record = list
"""[table or None, readable]: the question's table in that version (None: none, or not
read), and True when the whole file was checked to read (a hand commit's version)."""


def _folder() -> str | None:
    from mlreq.bank.tomlcache import cache_folder

    folder = cache_folder()
    return None if folder is None else os.path.join(os.path.dirname(folder), FORMAT)


def _file_name(folder: str, question_id: str) -> str:
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - another Python implementation
        from hashlib import blake2b
    return os.path.join(folder, blake2b(question_id.encode("utf-8"), digest_size=16).hexdigest() + ".json")


def load(question_id: str) -> dict[str, Record]:
    """The versions of `question_id` read before: blob id -> [table or None, readable]."""
    folder = _folder()
    if folder is None:
        return {}
    try:
        fd = os.open(_file_name(folder, question_id), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return {}
    try:
        with os.fdopen(fd, "rb") as handle:
            text = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return {}
    if len(text) > MAX_FILE_BYTES:
        return {}
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(data, dict) or data.get("question") != question_id or not isinstance(data.get("versions"), dict):
        return {}
    return {blob_id: record for blob_id, record in data["versions"].items() if _valid(blob_id, record)}


def _valid(blob_id: object, record: object) -> bool:
    if not (isinstance(blob_id, str) and len(blob_id) in (40, 64) and all(c in "0123456789abcdef" for c in blob_id)):
        return False
    if not (isinstance(record, list) and len(record) == 2 and isinstance(record[1], bool)):
        return False
    return record[0] is None or keepable(record[0])


def keepable(table: object) -> bool:
    """A table JSON holds exactly: string keys, strings or lists of strings."""
    return isinstance(table, dict) and all(
        isinstance(key, str) and (isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)))
        for key, value in table.items()
    )


def save(question_id: str, versions: dict[str, Record]) -> None:
    """Keep `versions` (those read before and the new ones, the newest last); a failure
    only means asking git again next time."""
    folder = _folder()
    if folder is None:
        return
    import json

    kept = dict(list(versions.items())[-MAX_VERSIONS:])
    try:
        text = json.dumps({"question": question_id, "versions": kept}, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        return
    from mlreq.bank.tomlcache import write_entry

    write_entry(folder, _file_name(folder, question_id), text, keep=MAX_FILES)
