"""Commit messages that read well in plain `git log` and that mlreq can parse back.

Subject names the question(s); the body gives each one's stage and wording; trailers
(`Mlreq-Question: <id>`) let history list touched questions without diffing commits.
"""

from __future__ import annotations


from mlreq.bank import Form
from mlreq.bank.record import Record, init_fields

from .answers import Entry

SUBJECT_LIMIT = 72
TRAILER = "Mlreq-Question"
RESTORED_TRAILER = "Mlreq-Restored-From"


class Restoration(Record):
    """Where a restored answer's wording comes from: the commit that holds it, that commit's
    date, and the iteration(s) that had this wording, if any."""

    __slots__ = ("commit", "date", "iterations")
    commit: str
    date: str
    iterations: tuple[str, ...]

    def __init__(self, commit: str, date: str, iterations: tuple[str, ...] = ()) -> None:
        init_fields(self, commit, date, iterations)

    @property
    def short(self) -> str:
        """For a commit subject: the iteration's name, else the commit's short id."""
        return repr(self.iterations[0]) if self.iterations else self.commit[:10]

    @property
    def long(self) -> str:
        """e.g. `a1b2c3d4e5 of 2026-03-02, iteration 'Kick-off workshop'`."""
        text = f"{self.commit[:10]} of {self.date[:10]}"
        if self.iterations:
            text += ", iteration " + " and ".join(repr(name) for name in self.iterations)
        return text


class Change(Record):
    """One question's entry before and after a save."""

    __slots__ = ("question_id", "before", "after")
    question_id: str
    before: Entry
    after: Entry

    def __init__(self, question_id: str, before: Entry, after: Entry) -> None:
        init_fields(self, question_id, before, after)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for f in ("answer", "status", "notes", "agreed_by") if getattr(self.before, f) != getattr(self.after, f))


def _verb(change: Change, restored: Restoration | None = None) -> str:
    fields = change.fields
    if "answer" in fields and restored is not None:
        return "Restore"
    if "answer" in fields:
        return "Clear answer to" if not change.after.answer.strip() else "Answer"
    if "status" in fields:  # a status change (with or without a note) names the new status
        return f"Mark {change.after.status}:"
    if "agreed_by" in fields:
        return "Record who agreed"
    return "Edit notes on"


MINOR_NOTE = "Minor edit: nothing that builds on it was flagged for review."


def commit_message(
    changes: list[Change],
    form: Form,
    flagged: tuple[str, ...] = (),
    restored: dict[str, Restoration] | None = None,
    minor: tuple[str, ...] = (),
    subject: str | None = None,
    withdrawn: tuple[str, ...] = (),
) -> str:
    """`flagged` questions were only marked needs-review because of the others (`withdrawn`
    ones put back as they were, the change that flagged them undone); `restored`
    answers were brought back from an earlier version (the subject and body say which);
    `minor` ones were saved as minor edits (flagging nothing). `subject` replaces the one
    made here."""
    restored = {qid: r for qid, r in (restored or {}).items() if any(c.question_id == qid and "answer" in c.fields for c in changes)}
    main = [c for c in changes if c.question_id not in flagged and c.question_id not in withdrawn] or changes
    if subject is not None:
        pass
    elif len(main) == 1:
        source = restored.get(main[0].question_id)
        subject = f"{_verb(main[0], source)} {main[0].question_id}" + (f" from {source.short}" if source else "")
        if main[0].question_id in minor:
            subject += " (minor edit)"
        if len(subject) > SUBJECT_LIMIT:
            subject = subject[: SUBJECT_LIMIT - 1] + "…"
    else:
        subject = f"Update {len(main)} answers: " + ", ".join(c.question_id for c in main)
        if len(subject) > SUBJECT_LIMIT:
            subject = subject[: SUBJECT_LIMIT - 1].rsplit(",", 1)[0] + ", …"
    body = []
    for change in main:
        question = form.question(change.question_id)
        stage = form.stage(question.stage) if question else None
        label = f"{stage.name}: {question.text}" if question and stage else "(not in the question set)"
        body.append(f"{change.question_id} ({label})")
        details = [f"status {change.before.status} -> {change.after.status}"] if "status" in change.fields else []
        details += [
            f"answer restored from {restored[change.question_id].long}" if field == "answer" and change.question_id in restored else f"{field} changed"
            for field in change.fields
            if field not in ("status", "agreed_by")
        ]
        if "agreed_by" in change.fields:
            names = [form.role(r).name if form.role(r) else r for r in change.after.agreed_by]
            details.append(f"agreed by {', '.join(names)}" if names else "sign-offs removed")
        body.append("  " + "; ".join(details))
    if minor:
        body += ["", MINOR_NOTE if len(minor) == 1 else f"{MINOR_NOTE} ({', '.join(minor)})"]
    if flagged:
        body += ["", "Flagged needs-review, as they build directly on the changed answer:", *(f"  {qid}" for qid in flagged)]
    if withdrawn:
        body += ["", "No longer flagged needs-review (the change that flagged them was undone):", *(f"  {qid}" for qid in withdrawn)]
    trailers = [f"{TRAILER}: {change.question_id}" for change in changes]
    trailers += [f"{RESTORED_TRAILER}: {source.commit}" for source in restored.values()]
    return "\n".join([subject, "", *body, "", *trailers]) + "\n"


def creation_message(name: str, form: Form, source: str) -> str:
    """The first commit of a project: its name and the question set it was created from."""
    return f"Create requirements project \"{name}\"\n\nQuestion set: {form.title} ({source}), {len(form.questions)} questions.\n"
