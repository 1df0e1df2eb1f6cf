"""How two question sets differ: the thesis' v1 -> v2 -> v3, or a template and a project."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from mlreq.bank import Form


@dataclass(frozen=True)
class FormChange:
    kind: str
    """"added", "removed", "reworded", "roles", "examples", "moved" or "dependencies"."""
    question_id: str
    old: str = ""
    new: str = ""


def _roles(form: Form, ids: tuple[str, ...]) -> str:
    return ", ".join(form.role(r).name if form.role(r) else r for r in ids)


def diff_forms(old: Form, new: Form) -> list[FormChange]:
    """Changes question by question, in the new form's order (removed ones last)."""
    changes: list[FormChange] = []
    old_order = {q.id: i for i, q in enumerate(old.questions)}
    new_ids = {q.id for q in new.questions}
    kept_old = [q.id for q in old.questions if q.id in new_ids]
    kept_new = [q.id for q in new.questions if q.id in old_order]
    # Questions outside the longest common order moved; the rest only shifted around them.
    in_place: set[str] = set()
    for block in difflib.SequenceMatcher(None, kept_old, kept_new, autojunk=False).get_matching_blocks():
        in_place.update(kept_old[block.a : block.a + block.size])
    for question in new.questions:
        before = old.question(question.id)
        if before is None:
            changes.append(FormChange("added", question.id, new=question.text))
            continue
        if before.text != question.text:
            changes.append(FormChange("reworded", question.id, before.text, question.text))
        if _roles(old, before.roles) != _roles(new, question.roles):
            changes.append(FormChange("roles", question.id, _roles(old, before.roles), _roles(new, question.roles)))
        if before.examples != question.examples:
            changes.append(FormChange("examples", question.id, before.examples, question.examples))
        if before.depends_on != question.depends_on:
            changes.append(FormChange("dependencies", question.id, ", ".join(before.depends_on), ", ".join(question.depends_on)))
        if before.stage != question.stage or question.id not in in_place:
            changes.append(FormChange("moved", question.id, f"{before.stage} #{kept_old.index(question.id) + 1}", f"{question.stage} #{kept_new.index(question.id) + 1}"))
    for question in old.questions:
        if question.id not in new_ids:
            changes.append(FormChange("removed", question.id, old=question.text))
    return changes
