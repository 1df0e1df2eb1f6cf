"""Merging two tailorings of a project's `form.toml` by question id, as answers are merged.

Run by the merge driver for `form.toml`. Stages, roles and questions are matched by id:

- an item added, removed or changed on one side only takes that side's version;
- an item removed on one side and changed on the other is kept (nothing is lost);
- fields changed on different sides combine; lists (roles, traces, depends_on, aliases)
  changed on both sides combine as sets;
- a question field (its text, examples, priority, ...) changed differently on both sides
  keeps this side's value and the other side's under the question's
  `[questions.mlreq.conflict]` table, which `mlreq check` and `mlreq sync` report until
  someone keeps one version and deletes the table;
- a role renamed differently on both sides keeps this side's name and the other's as an alias;
- order: if only the other side moved questions, its order is taken; additions go after
  the item they followed on their side.

Whatever cannot be kept as data (a stage or the form's own header changed differently on
both sides, or a merged question set the loader refuses, such as a dependency cycle) makes
the driver refuse: git then reports the file as conflicted and `mlreq sync` stops, saying so.
"""

from __future__ import annotations

import tomllib
from typing import Any

from mlreq.bank import form_from_data
from mlreq.bank.errors import BankError
from mlreq.bank.tomlread import decode_utf8, tomllib_error_line

from .errors import ProjectFileError
from .tomlstr import toml_string

CONFLICT_TABLE = "conflict"
"""Under a question's `mlreq` table: the other side's values of fields changed on both sides."""
_SET_FIELDS = ("roles", "traces", "depends_on", "aliases")
_LISTS = ("stages", "roles", "questions")
_MISSING = object()


class FormMergeError(ProjectFileError):
    """The two tailorings cannot be merged as data; the driver refuses."""


def merge_forms(base: bytes, ours: bytes, theirs: bytes, label: str) -> tuple[bytes, list[str]]:
    """The merged form.toml (our layout kept where we changed nothing) and the question ids
    that now hold a conflict table."""
    import tomlkit

    base_data = _parse(base, f"{label} (base)") if base.strip() else {}
    our_data, their_data = _parse(ours, f"{label} (ours)"), _parse(theirs, f"{label} (theirs)")
    merged: dict[str, Any] = {}
    for key in _ordered_union(our_data, their_data):
        if key in _LISTS:
            continue
        value, clash = _pick(base_data.get(key, _MISSING), our_data.get(key, _MISSING), their_data.get(key, _MISSING))
        if clash and isinstance(value, dict):
            value = _merge_flat(base_data.get(key, {}), our_data[key], their_data[key], f"[{key}]", label)
        elif clash:
            raise FormMergeError(f"{label}: {key!r} was changed differently on both sides; set it by hand")
        if value is not _MISSING:
            merged[key] = value
    conflicts: list[str] = []
    merged["stages"] = _merge_list(base_data, our_data, their_data, "stages", label, _merge_stage)
    merged["roles"] = _merge_list(base_data, our_data, their_data, "roles", label, _merge_role)

    def merge_question(b: dict, o: dict, t: dict, _label: str) -> dict:
        question, clashed = _merge_question(b, o, t)
        if clashed:
            conflicts.append(str(o.get("id")))
        return question

    merged["questions"] = _prune_dependencies(_merge_list(base_data, our_data, their_data, "questions", label, merge_question))
    try:
        form_from_data(merged, label)
    except BankError as exc:
        raise FormMergeError(
            f"the two sides' question sets would together be invalid ({exc}); undo the change on one side "
            "(e.g. `mlreq form undepend`) and sync again"
        ) from None
    document = _render(tomlkit.parse(ours.decode("utf-8")), tomlkit.parse(theirs.decode("utf-8")), merged)
    text = tomlkit.dumps(document)
    if tomllib.loads(text) != merged:  # tomlkit could not keep the layout faithfully: write the data plainly
        text = tomlkit.dumps(merged)
    return text.encode("utf-8"), conflicts


def form_conflicts(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Question id -> the other side's values kept under `[questions.mlreq.conflict]`."""
    found = {}
    for question in data.get("questions", []):
        if isinstance(question, dict) and isinstance(question.get("mlreq"), dict):
            conflict = question["mlreq"].get(CONFLICT_TABLE)
            if isinstance(conflict, dict) and conflict:
                found[str(question.get("id"))] = conflict
    return found


# --------------------------------------------------------------------------- parsing


def _parse(data: bytes, shown: str) -> dict[str, Any]:
    text = decode_utf8(data, shown, ProjectFileError)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProjectFileError(tomllib_error_line(exc, shown)) from None
    for key in _LISTS:
        items = parsed.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
            raise ProjectFileError(f"{shown}: every [[{key}]] needs an id")
    return parsed


# --------------------------------------------------------------------------- three-way rules


def _pick(base: Any, ours: Any, theirs: Any) -> tuple[Any, bool]:
    """The merged value and whether both sides changed it differently."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    return ours, True


def _merge_set(base: Any, ours: Any, theirs: Any) -> list:
    """Both sides' additions kept, both sides' removals applied, in our order."""
    base_items, our_items, their_items = (list(v) if isinstance(v, list) else [] for v in (base, ours, theirs))
    removed = [i for i in base_items if i not in our_items or i not in their_items]
    result = [i for i in our_items if i not in removed]
    result += [i for i in their_items if i not in result and i not in removed]
    return result


def _merge_flat(base: dict, ours: dict, theirs: dict, where: str, label: str) -> dict:
    result = {}
    for key in _ordered_union(ours, theirs):
        b, o, t = base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING)
        value, clash = _pick(b, o, t)
        if clash and key in _SET_FIELDS:
            value = _merge_set(b, o, t)
        elif clash:
            raise FormMergeError(f"{label}: {where} {key} was changed differently on both sides; set it by hand")
        if value is not _MISSING:
            result[key] = value
    return result


def _merge_stage(base: dict, ours: dict, theirs: dict, label: str = "") -> dict:
    return _merge_flat(base, ours, theirs, f"stage {ours.get('id')!r}:", label)


def _merge_role(base: dict, ours: dict, theirs: dict, label: str = "") -> dict:
    name, clash = _pick(base.get("name", _MISSING), ours.get("name", _MISSING), theirs.get("name", _MISSING))
    if clash:  # both renamed it: ours stays the name, theirs becomes an alias
        theirs = {**theirs, "name": ours["name"], "aliases": [*theirs.get("aliases", []), theirs["name"]]}
    return _merge_flat(base, ours, theirs, f"role {ours.get('id')!r}:", label)


def _merge_question(base: dict, ours: dict, theirs: dict) -> tuple[dict, bool]:
    """A question merged field by field; True when some field now holds both versions."""
    clashes: dict[str, Any] = {}
    result: dict[str, Any] = {}
    for key in _ordered_union(ours, theirs):
        if key == "mlreq":
            continue
        result_value = _field(key, base.get(key, _MISSING), ours.get(key, _MISSING), theirs.get(key, _MISSING), clashes)
        if result_value is not _MISSING:
            result[key] = result_value
    b, o, t = (q.get("mlreq", {}) if isinstance(q.get("mlreq"), dict) else {} for q in (base, ours, theirs))
    extra: dict[str, Any] = {}
    for key in _ordered_union(o, t):
        if key == CONFLICT_TABLE:
            continue
        value = _field(key, b.get(key, _MISSING), o.get(key, _MISSING), t.get(key, _MISSING), clashes)
        if value is not _MISSING:
            extra[key] = value
    kept, clash = _pick(b.get(CONFLICT_TABLE, _MISSING), o.get(CONFLICT_TABLE, _MISSING), t.get(CONFLICT_TABLE, _MISSING))
    if clash:
        kept = {**t.get(CONFLICT_TABLE, {}), **o.get(CONFLICT_TABLE, {})}
    conflict = {**(kept if isinstance(kept, dict) else {}), **clashes}
    if conflict:
        extra[CONFLICT_TABLE] = conflict
    if extra or "mlreq" in ours or "mlreq" in theirs:
        result["mlreq"] = extra
    return result, bool(clashes)


def _field(key: str, base: Any, ours: Any, theirs: Any, clashes: dict[str, Any]) -> Any:
    value, clash = _pick(base, ours, theirs)
    if not clash:
        return value
    if key in _SET_FIELDS:
        return _merge_set(base, ours, theirs)
    if ours is _MISSING:  # removed here, changed there: keep the change
        return theirs
    if theirs is not _MISSING:
        clashes[key] = theirs
    return value


def _merge_list(base: dict, ours: dict, theirs: dict, key: str, label: str, merge_item) -> list[dict]:
    """Items of one [[key]] list merged by id, in a merged order."""
    base_items, our_items, their_items = ({i["id"]: i for i in d.get(key, [])} for d in (base, ours, theirs))
    kept: dict[str, dict] = {}
    for item_id in _ordered_union(our_items, their_items):
        b, o, t = base_items.get(item_id), our_items.get(item_id), their_items.get(item_id)
        if o is not None and t is not None:
            kept[item_id] = merge_item(b or {}, o, t, label)
        elif o is not None and (b is None or o != b):  # added here, or changed here and removed there
            kept[item_id] = o
        elif t is not None and (b is None or t != b):
            kept[item_id] = t
    return [kept[i] for i in _merged_order(list(base_items), list(our_items), list(their_items), kept)]


def _merged_order(base: list[str], ours: list[str], theirs: list[str], kept: dict) -> list[str]:
    common = [i for i in base if i in ours and i in theirs]
    our_common = [i for i in ours if i in common]
    their_common = [i for i in theirs if i in common]
    skeleton, other = (theirs, ours) if our_common == common and their_common != common else (ours, theirs)
    order = [i for i in skeleton if i in kept]
    for index, item_id in enumerate(other):
        if item_id not in kept or item_id in order:
            continue
        before = next((p for p in reversed(other[:index]) if p in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, item_id)
    return order


def _prune_dependencies(questions: list[dict]) -> list[dict]:
    """A dependency on a question the other side removed goes, as `mlreq form remove --force` does."""
    known = {q["id"] for q in questions}
    for question in questions:
        extra = question.get("mlreq")
        if isinstance(extra, dict) and isinstance(extra.get("depends_on"), list):
            extra["depends_on"] = [d for d in extra["depends_on"] if d in known]
    return questions


def _ordered_union(first: dict, second: dict) -> list:
    return [*first, *(k for k in second if k not in first)]


# --------------------------------------------------------------------------- writing


def _render(ours, theirs, merged: dict[str, Any]):  # tomlkit documents in and out
    """Our document with the merged data: tables nobody changed keep their exact text."""
    import tomlkit

    for key in list(ours):
        if key not in merged:
            del ours[key]
    for key, value in merged.items():
        if key in _LISTS:
            continue
        if ours.get(key, _MISSING) != value:
            ours[key] = value
    for key in _LISTS:
        their_tables = {str(t.get("id")): t for t in theirs.get(key, [])}
        if key not in ours:
            ours.append(key, tomlkit.aot())
        tables = ours[key]
        wanted = {item["id"]: item for item in merged[key]}
        for index in reversed(range(len(tables))):  # edited in place, as `mlreq form` does: layout kept
            if str(tables[index].get("id")) not in wanted:
                del tables[index]
        for index, item in enumerate(merged[key]):
            ids = [str(t.get("id")) for t in tables]
            if item["id"] in ids:
                table = tables[ids.index(item["id"])]
                if ids.index(item["id"]) != index:
                    del tables[ids.index(item["id"])]
                    tables.insert(index, table)
            else:
                table = their_tables[item["id"]]
                tables.insert(index, table)
            if table.unwrap() != item:
                _patched(table, item)
    return ours


def _patched(table, wanted: dict[str, Any]):
    import tomlkit

    for key in list(table):
        if key not in wanted:
            del table[key]
    for key, value in wanted.items():
        current = table.get(key, _MISSING)
        if isinstance(value, dict):
            fresh = not (hasattr(current, "unwrap") and isinstance(current.unwrap(), dict))
            sub = _patched(tomlkit.table() if fresh else current, value)
            if fresh and key == CONFLICT_TABLE:
                sub.comment("the other side's version: keep one, then delete this table")
                sub.add(tomlkit.nl())
            table[key] = sub
        elif current is _MISSING or current != value:
            table[key] = toml_string(value) if isinstance(value, str) else value
    return table
