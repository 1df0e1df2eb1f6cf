"""requirements.toml as text: where each requirement is, and edits that rewrite only the
values that change.

tomlkit needs seconds to parse and render 5,000 requirements again, so a requirement save or
a flag cost seconds (issue 13, "Speed"). `read` is `bank.tomlfast`'s exact one-pass reader
(mlreq's own layout and the hand edits it allows: comments, blank lines, any key order...),
None for anything else, which tomllib reads and tomlkit edits as before.

`edit` changes a file's text value by value: every byte outside the values it replaces,
removes or adds stays as it was (comments, spacing, the other requirements). Strings are
written by `tomlstr.toml_string_source`, so every text reads back exactly.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlreq.bank import tomlfast

from .tomlstr import toml_string_source

HEADER = "[[requirement]]"
CONFLICT_HEADER = "[requirement.conflict]"


@dataclass(frozen=True)
class RequirementsText:
    """A file `read` could read: its data (as tomllib gives it) and where each part is."""

    text: str
    data: dict[str, Any]
    tables: tuple[tuple[int, int, int], ...]
    """Each `[[requirement]]`'s span (its header's line to the end of its last statement,
    blank and comment lines after it excluded) and the offset of its `id` line (-1: none)."""
    top: dict[str, tuple[int, int]]
    """The value span of each top-level key (`last_id`)."""
    body_start: int
    """Where the first table starts (the end of the text when there is none)."""


def read(text: str) -> RequirementsText | None:
    """The file's data and layout, or None when it uses TOML `tomlfast` leaves to tomllib."""
    parsed = tomlfast.read(text)
    if parsed is None:
        return None
    return RequirementsText(parsed.text, parsed.data, tuple(parsed.elements.get("requirement", ())), parsed.top, parsed.body_start)


# ---------------------------------------------------------------------------- writing


def render_string(value: str, multiline: bool = True) -> str:
    """A TOML basic string reading back as `value`: multi-line when it has line breaks."""
    if multiline and "\n" in value:
        return f'"""{toml_string_source(value, True)}"""'
    return f'"{toml_string_source(value, False)}"'


def render_value(name: str, value: Any) -> str:
    """One value as mlreq writes it; strings in arrays stay on one line (`\\n` escaped)."""
    if isinstance(value, bool):
        raise TypeError(f"{name}: no booleans in requirements.toml")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return render_string(value)
    if isinstance(value, (list, tuple)):
        items = [render_string(v, multiline=False) for v in value]
        if name == "criteria" and items:
            return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
        return "[" + ", ".join(items) + "]"
    raise TypeError(f"{name}: cannot write {type(value).__name__}")


def _conflict_table(values: Mapping[str, str]) -> str:
    return f"{CONFLICT_HEADER}\n" + "".join(f"{k} = {render_value(k, v)}\n" for k, v in values.items())


def render_table(fields: Mapping[str, Any]) -> str:
    """One requirement as a `[[requirement]]` table, in the order given, then a blank line."""
    lines = [HEADER]
    lines += [f"{name} = {render_value(name, value)}" for name, value in fields.items() if name != "conflict"]
    text = "\n".join(lines) + "\n\n"
    if fields.get("conflict"):
        text += _conflict_table(fields["conflict"]) + "\n"
    return text


def render_file(comments: Iterable[str], last_id: int, tables: Iterable[Mapping[str, Any]]) -> str:
    """A new file: the comment lines, `last_id`, the tables."""
    head = "".join(f"# {line}\n" for line in comments)
    return f"{head}\nlast_id = {last_id}\n\n" + "".join(render_table(t) for t in tables)


def _table_parts(text: str, start: int, end: int) -> tuple[int, dict[str, tuple[int, int, int, int]], tuple[int, int] | None]:
    """Within one table's span: its header line's end, each key's (line start, value start,
    value end, line end), and its conflict table's span."""
    keys: dict[str, tuple[int, int, int, int]] = {}
    header_end, conflict, pos = -1, None, start
    while pos < end:
        found = tomlfast.STATEMENT.match(text, pos, end)
        assert found is not None, "a span that read() accepted"
        if found["aot"] is not None:
            header_end = found.end()
        elif found["sub"] is not None:
            conflict = (pos, end)  # the conflict table runs to the end of the requirement
        elif found["key"] is not None and conflict is None:
            keys[found["key"]] = (pos, found.start("value"), found.end("value"), found.end())
        pos = found.end()
    return header_end, keys, conflict


def _table_edits(text: str, span: tuple[int, int, int], fields: Mapping[str, Any], order: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start, end, new text) replacements that give the table these field values (None: remove)."""
    header_end, keys, conflict = _table_parts(text, span[0], span[1])
    edits: list[tuple[int, int, str]] = []
    ranked = sorted(fields, key=lambda name: order.index(name) if name in order else len(order))
    for name in ranked:
        value = fields[name]
        if name == "conflict" and (isinstance(value, Mapping) or value is None):
            if conflict is not None:
                edits.append((conflict[0], conflict[1], _conflict_table(value) if value else ""))
            elif value:
                edits.append((span[1], span[1], "\n" + _conflict_table(value)))
        elif name in keys:
            line_start, value_start, value_end, line_end = keys[name]
            if value is None:
                edits.append((line_start, line_end, ""))
            else:
                edits.append((value_start, value_end, render_value(name, value)))
        elif value is not None:
            earlier = [keys[k][3] for k in order[: order.index(name)] if k in keys] if name in order else list(
                k[3] for k in keys.values())
            at = max(earlier, default=header_end)
            edits.append((at, at, f"{name} = {render_value(name, value)}\n"))
    return edits


class EditError(Exception):
    """An edit did not read back as intended (a bug, never the user's): nothing is written."""


def _plain(value: Any) -> Any:
    """A value as reading the file gives it back (lists, dicts)."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


def _changed_table(table: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    new = dict(table)
    for name, value in fields.items():
        if value is None:
            new.pop(name, None)
        else:
            new[name] = _plain(value)
    return new


def edit(
    document: RequirementsText,
    changes: Mapping[int, Mapping[str, Any]],
    *,
    order: Sequence[str],
    added: Sequence[Mapping[str, Any]] = (),
    dropped: Iterable[int] = (),
    last_id: int | None = None,
) -> RequirementsText:
    """The file after `changes` (table index -> field -> value; None or an empty conflict
    removes the field), the `dropped` tables removed, `last_id` set and the `added` tables
    appended. Nothing else moves: every other byte stays as it was. New fields go after the
    fields before them in `order`. Each changed or added table is read back from the new text
    and must be what was asked (else `EditError`); the rest of the file cannot change meaning,
    as each statement reads the same wherever it starts."""
    text = document.text
    changes = {i: {k: (None if k == "conflict" and not v else v) for k, v in f.items()} for i, f in changes.items()}
    dropped = set(dropped)
    edits: list[tuple[int, int, str]] = []
    for index, fields in changes.items():
        if index not in dropped:
            edits += _table_edits(text, document.tables[index], fields, order)
    for index in dropped:
        start, end, _ = document.tables[index]
        following = len(text) - len(text[end:].lstrip("\n"))  # with the blank lines after it
        edits.append((start, following, ""))
    if last_id is not None:
        if "last_id" in document.top:
            edits.append((*document.top["last_id"], str(last_id)))
        else:
            edits.append((document.body_start, document.body_start, f"last_id = {last_id}\n\n"))
    edits.sort(key=lambda e: (e[0], e[1]))
    pieces: list[str] = []
    ends: list[int] = []  # each edit's old end, and the total shift once it is applied
    shifts: list[int] = []
    pos = shift = 0
    for start, end, new in edits:
        if start < pos:
            raise EditError("two changes to one place in requirements.toml")
        pieces += [text[pos:start], new]
        pos = end
        shift += len(new) - (end - start)
        ends.append(end)
        shifts.append(shift)
    pieces.append(text[pos:])
    result = "".join(pieces)

    def moved(offset: int) -> int:
        """Where an old offset is now (after every edit that ends at or before it)."""
        done = bisect_right(ends, offset)
        return offset + (shifts[done - 1] if done else 0)

    old_tables = document.data.get("requirement", [])
    tables: list[dict[str, Any]] = list(old_tables)
    spans: list[tuple[int, int, int]] = []
    touched = sorted({*changes, *dropped})
    for first, last in zip([-1, *touched], [*touched, len(document.tables)]):
        # The tables between two changed ones move by one shift: no edit is inside them.
        unchanged = document.tables[first + 1 : last]
        if unchanged:
            by = moved(unchanged[0][0]) - unchanged[0][0]
            spans += [(s + by, e + by, i + by if i >= 0 else -1) for s, e, i in unchanged]
        if last == len(document.tables):
            break
        if last in dropped:
            spans.append((-1, -1, -1))
            continue
        start, end, _ = document.tables[last]
        new_start, new_end = moved(start), moved(end)
        reread = read(result[new_start:new_end])
        expected = _changed_table(old_tables[last], changes[last])
        if reread is None or reread.data != {"requirement": [expected]} or len(reread.text) != new_end - new_start:
            raise EditError(f"requirement #{last + 1} did not read back as written")
        tables[last] = reread.data["requirement"][0]
        id_at = reread.tables[0][2]
        spans.append((new_start, new_end, new_start + id_at if id_at >= 0 else -1))
    if dropped:
        tables = [t for index, t in enumerate(tables) if index not in dropped]
        spans = [span for index, span in enumerate(spans) if index not in dropped]
    if added:
        if not result.endswith("\n\n"):
            result += "\n"  # a blank line before each requirement
        appended = "".join(render_table(t) for t in added)
        reread = read(appended)
        if reread is None or reread.data != {"requirement": [_changed_table({}, t) for t in added]}:
            raise EditError("a new requirement did not read back as written")
        tables += reread.data["requirement"]
        spans += [(len(result) + s, len(result) + e, len(result) + i if i >= 0 else -1) for s, e, i in reread.tables]
        result += appended
    data = {k: v for k, v in document.data.items() if k != "requirement"}
    top = {k: (moved(s), moved(s) + e - s) for k, (s, e) in document.top.items()}
    if last_id is not None:
        data["last_id"] = last_id
        if "last_id" in document.top:
            top["last_id"] = (top["last_id"][0], top["last_id"][0] + len(str(last_id)))
        else:
            at = moved(document.body_start) - len(f"{last_id}\n\n")
            top["last_id"] = (at, at + len(str(last_id)))
    if tables:
        data["requirement"] = tables
    body_start = spans[0][0] if spans else len(result)
    return RequirementsText(result, data, tuple(spans), top, body_start)
