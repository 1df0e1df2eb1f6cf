"""Merging two versions of `requirements.toml` by requirement id, as answers merge by question.

Run by the merge driver (mergedriver.py) for the project's requirements file:

- a requirement added, changed or deleted on one side only takes that side's version
  (one deleted on one side and changed on the other is kept: nothing is lost);
- fields changed on different sides combine; `from` and `criteria` changed on both sides
  combine as lists (ours first, then the other side's new ones);
- text, pattern, priority or owner changed differently on both sides keeps ours, puts the
  other side's value in the requirement's `conflict` table and marks it needs-review, so
  both versions stay until someone edits the field (`mlreq req edit`);
- the same new id given on both sides to different requirements (two people wrote one
  each before syncing): the other side's keeps the id, since it is already shared, and
  ours gets the next free one. `last_id` becomes the highest on either side, so no id is
  ever given twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from mlreq.bank.errors import MlreqError

from . import reqtoml
from .safefile import read_project_file
from .requirements import (
    _ORDER,
    CONFLICT_REVIEW,
    REQUIREMENTS_FILE,
    RequirementSet,
    Requirement,
    _apply,
    _document,
    _parse,
    _stored,
    parse_requirements,
    requirement_fields,
)

if TYPE_CHECKING:
    from .project import Project
    from .reqtoml import RequirementsText

_TEXT_FIELDS = ("text", "pattern", "priority", "owner")
_LIST_FIELDS = ("sources", "criteria")


def _pick(base: object, ours: object, theirs: object) -> tuple[object, bool]:
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    return ours, True


def merge_requirement(base: Requirement | None, ours: Requirement, theirs: Requirement) -> tuple[Requirement, bool]:
    """Three-way merge of one requirement; True when a field clashed (both kept)."""
    if base is None:  # added on both sides under one id and found equal, or nearly
        base = replace(ours, text="", criteria=(), sources=())
    values: dict[str, object] = {}
    conflict = dict(ours.conflict)
    clashed = False
    for name in _TEXT_FIELDS:
        value, clash = _pick(getattr(base, name), getattr(ours, name), getattr(theirs, name))
        values[name] = value
        if clash:
            conflict[name], clashed = getattr(theirs, name), True
    for name in _LIST_FIELDS:
        value, clash = _pick(getattr(base, name), getattr(ours, name), getattr(theirs, name))
        if clash:
            value = tuple(dict.fromkeys([*getattr(ours, name), *getattr(theirs, name)]))
        values[name] = value
    status, status_clash = _pick(base.status, ours.status, theirs.status)
    review, _ = _pick(base.review, ours.review, theirs.review)
    their_conflict, _ = _pick(base.conflict, ours.conflict, theirs.conflict)
    conflict = {**dict(their_conflict), **conflict}  # type: ignore[arg-type]
    if status_clash:
        status = "needs-review"
        review = review or f"status set to {ours.status!r} here and to {theirs.status!r} on the other side of a sync"
    if clashed:
        status, review = "needs-review", CONFLICT_REVIEW
    merged = replace(ours, **values, status=status, review=review, conflict=tuple(sorted(conflict.items())))  # type: ignore[arg-type]
    return merged, clashed


def merge_requirement_files(base: bytes, ours: bytes, theirs: bytes, label: str) -> tuple[bytes, list[str]]:
    """The merged file (our layout kept) and one line per thing the user should know."""
    base_set = parse_requirements(base, f"{label} (base)") if base.strip() else RequirementSet()
    our_set, our_layout = _parse(ours, f"{label} (ours)")
    their_set = parse_requirements(theirs, f"{label} (theirs)")
    base_by_id = {r.id: r for r in base_set.items}
    their_by_id = {r.id: r for r in their_set.items}
    highest = max(s.last_id for s in (base_set, our_set, their_set))
    highest = max([highest, *(r.number for s in (base_set, our_set, their_set) for r in s.items)])
    notes: list[str] = []

    renamed: dict[str, str] = {}
    for requirement in our_set.items:
        theirs_same_id = their_by_id.get(requirement.id)
        if requirement.id not in base_by_id and theirs_same_id is not None and theirs_same_id.text != requirement.text:
            highest += 1
            renamed[requirement.id] = f"REQ-{highest:03d}"
            notes.append(f"{requirement.id} was also given on the other side to another requirement; "
                         f"yours is now {renamed[requirement.id]} (theirs keeps {requirement.id})")
    updates: dict[str, dict[str, object]] = {}
    dropped: list[str] = []
    kept_ids = set()
    for requirement in our_set.items:
        ours_now = replace(requirement, id=renamed.get(requirement.id, requirement.id))
        kept_ids.add(ours_now.id)
        base_version = base_by_id.get(requirement.id)
        theirs_version = None if requirement.id in renamed else their_by_id.get(requirement.id)
        if theirs_version is not None and theirs_version == requirement:
            continue  # the same on both sides (most of 5,000): nothing to merge
        if theirs_version is None:
            if base_version is not None and base_version == requirement:
                dropped.append(ours_now.id)  # deleted by hand on the other side, unchanged here
            continue
        merged, clashed = merge_requirement(base_version, ours_now, replace(theirs_version, id=ours_now.id))
        if clashed:
            notes.append(f"{ours_now.id} changed on both sides; both versions kept (see `mlreq req show {ours_now.id}`)")
        before, after = requirement_fields(ours_now), requirement_fields(merged)
        changed = {k: after.get(k, "") for k in {*before, *after} if before.get(k) != after.get(k)}
        if changed:
            updates[ours_now.id] = changed
    added = []
    for requirement in their_set.items:
        if requirement.id in kept_ids:
            continue
        base_version = base_by_id.get(requirement.id)
        if base_version is not None and base_version == requirement:
            continue  # deleted by hand here, unchanged there
        added.append(requirement)
    last_id = max(highest, *(r.number for r in added), 0)
    merged_bytes = _merged_text(ours, our_set, our_layout, renamed, updates, dropped, added, last_id)
    parse_requirements(merged_bytes, label)  # never hand git a file mlreq could not read
    return merged_bytes, notes


def _merged_text(ours: bytes, our_set: RequirementSet, layout: RequirementsText | None, renamed: dict[str, str],
                 updates: dict[str, dict[str, object]], dropped: list[str], added: list[Requirement], last_id: int) -> bytes:
    """Our file with the merge applied: only the merged values' text is rewritten when
    `reqtoml` reads our layout (tomlkit, slower, edits any other)."""
    if layout is not None:
        position = our_set.positions
        old_id = {new: old for old, new in renamed.items()}
        changes: dict[int, dict[str, object]] = {position[old]: {"id": new} for old, new in renamed.items()}
        for requirement_id, fields in updates.items():
            changes.setdefault(position[old_id.get(requirement_id, requirement_id)], {}).update(
                {k: _stored(k, v) for k, v in fields.items()})
        try:
            return reqtoml.edit(layout, changes, order=_ORDER, added=[requirement_fields(r) for r in added],
                                dropped=[position[old_id.get(d, d)] for d in dropped], last_id=last_id).text.encode("utf-8")
        except reqtoml.EditError:
            pass
    document = _document(ours)
    for table in document.get("requirement", []):
        new_id = renamed.get(str(table.get("id")))
        if new_id:
            table["id"] = new_id
    if dropped:
        tables = document["requirement"]
        for index in reversed(range(len(tables))):
            if str(tables[index].get("id")) in dropped:
                del tables[index]
    return _apply(document, updates, added, last_id)


@dataclass(frozen=True)
class MergedRequirements:
    """What a sync's merge did to this side's requirements, for its report."""

    conflicts: tuple[str, ...] = ()
    renumbered: tuple[tuple[str, str], ...] = ()
    """(old id, new id) of our requirements whose id the other side had given first."""


def requirements_or_none(project: Project) -> RequirementSet | None:
    """The requirements as they stand, or None (no file, or one the report cannot read)."""
    try:
        data = read_project_file(project.root, REQUIREMENTS_FILE)
        return parse_requirements(data)
    except (OSError, MlreqError):
        return None


def merged_requirements(before: RequirementSet | None, after: RequirementSet | None) -> MergedRequirements | None:
    if after is None:
        return None
    earlier = {r.id: r for r in (before.items if before else ())}
    conflicts = tuple(r.id for r in after.items if r.conflict and not (earlier.get(r.id) and earlier[r.id].conflict))
    by_text = {r.text: r.id for r in after.items}
    renumbered = tuple(
        (old.id, by_text[old.text]) for old in earlier.values()
        if old.text in by_text and by_text[old.text] != old.id and (after.get(old.id) is None or after.get(old.id).text != old.text)
    )
    return MergedRequirements(conflicts, renumbered) if conflicts or renumbered else None
