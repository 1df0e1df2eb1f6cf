"""Review in one pass: every answer flagged needs-review, why, and confirming it still holds.

The reason an answer was flagged is in its `review` field, one line per upstream change
(`impact.review_reason`). What that change was is read back from git: the commit that
added the reason line changed the upstream answer, so the upstream as it was just before
that commit, against the upstream now, is the change to read (word by word, with
`semdiff.word_diff`). Confirming an answer unchanged restores the status it had before it
was flagged (an agreed answer that still holds stays agreed), in one commit for all.
"""

from __future__ import annotations

from dataclasses import dataclass

from .answers import Entry
from .errors import InvalidInputError
from .impact import REASON, REWORDED
from .project import Project, SaveResult
from .semdiff import WordOp, word_diff

CONTEXT_WORDS = 6
"""Words of unchanged text kept around each change when a diff is shortened."""


@dataclass(frozen=True)
class Reason:
    """One reason an answer needs review: an upstream change, or another line of text."""

    text: str
    question_id: str = ""
    """The upstream answer that changed ("" when the reason is not an upstream change)."""
    author: str = ""
    date: str = ""
    before: str | None = None
    """The upstream answer before the change (None when history does not have it)."""
    after: str = ""
    reworded: bool = False
    """The question itself was reworded: before/after are its old and new wording."""

    def words(self) -> list[WordOp]:
        return word_diff(self.before, self.after) if self.before is not None else []


@dataclass(frozen=True)
class FlaggedAnswer:
    question_id: str
    text: str
    entry: Entry
    reasons: tuple[Reason, ...]
    restores: str
    """The status confirming it restores: what it was before it was flagged."""


def flagged_answers(project: Project, only: set[str] | None = None) -> list[FlaggedAnswer]:
    """Every answer flagged needs-review (or those of `only`), in form order, with its
    reasons read back from git."""
    from .history import History

    entries = project.entries()
    flagged = [
        q for q in project.form.questions if entries[q.id].status == "needs-review" and (only is None or q.id in only)
    ]
    if not flagged:
        return []
    history = History(project)
    found = []
    for question in flagged:
        entry = entries[question.id]
        versions = _safe_timeline(history, question.id)
        run = _flagged_run(versions)
        before_run = versions[len(versions) - len(run) - 1] if len(versions) > len(run) else None
        restores = before_run.entry.status if before_run and before_run.entry.status != "needs-review" else "draft"
        if not entry.answered:
            restores = "open"
        reasons = tuple(_reason(history, line, run, entries, question.id) for line in entry.review.splitlines() if line.strip())
        if not reasons and entry.notes.strip():
            reasons = (Reason(text=f"flagged by hand; see the notes: {entry.notes.strip().splitlines()[0]}"),)
        found.append(FlaggedAnswer(question.id, question.text, entry, reasons, restores))
    return found


def _safe_timeline(history, question_id: str) -> list:  # type: ignore[no-untyped-def]
    from mlreq.bank.errors import MlreqError

    try:
        return history.timeline(question_id)
    except MlreqError:
        return []  # no history to read (no commits, a shallow clone): reasons without diffs


def _flagged_run(versions: list) -> list:  # type: ignore[no-untyped-def]
    """The newest committed versions that are flagged, oldest first (none while the flag
    is only on disk, not committed yet)."""
    run = []
    for version in reversed(versions):
        if version.entry.status != "needs-review":
            break
        run.append(version)
    run.reverse()
    return run


def _reason(history, line: str, run: list, entries: dict[str, Entry], question_id: str = "") -> Reason:  # type: ignore[no-untyped-def]
    reworded = REWORDED.match(line.strip())
    if reworded is not None:
        return _reworded(history, line.strip(), reworded, run, question_id)
    match = REASON.match(line.strip())
    if match is None:
        return Reason(text=line.strip())
    upstream = match["question"]
    question = history.project.form.question(upstream)
    after = entries.get(upstream, Entry()).answer
    before: str | None = None
    flagging = next((v for v in run if line.strip() in v.entry.review.splitlines()), None)
    if question is not None:
        revision = f"{flagging.commit}^" if flagging else "HEAD"
        path = history.project.repo_path(history.project.file_of(question))
        before = _answer_at(history, revision, path, upstream)
    return Reason(line.strip(), upstream, match["author"], match["date"], before, after)


def _reworded(history, line: str, match, run: list, question_id: str) -> Reason:  # type: ignore[no-untyped-def]
    """The question's wording before the commit that flagged its answer, and now."""
    from mlreq.bank.errors import MlreqError

    question = history.project.form.question(question_id)
    after = question.text if question else ""
    flagging = next((v for v in run if line in v.entry.review.splitlines()), None)
    before = None
    if flagging is not None:
        try:
            old = history.snapshot_of_commit(f"{flagging.commit}^", "before").questions.get(question_id)
        except MlreqError:
            old = None
        before = old.text if old else None
    return Reason(line, question_id, match["author"], match["date"], before, after, reworded=True)


def _answer_at(history, revision: str, path: str, question_id: str) -> str | None:  # type: ignore[no-untyped-def]
    from .history import _entry_in

    status, out, _ = history.repo.run("rev-parse", "--verify", "--quiet", "--end-of-options", revision, check=False)
    if status != 0:
        return None
    entry = _entry_in(history.repo.read_files(out.strip(), [path]).get(path), question_id)
    return entry.answer if entry is not None else ""


def short_diff(ops: list[WordOp], context: int = CONTEXT_WORDS) -> list[WordOp]:
    """The word diff with long unchanged stretches cut to `context` words each side."""
    shortened = []
    for index, op in enumerate(ops):
        if op.op != "equal":
            shortened.append(op)
            continue
        words = op.text.split()
        if len(words) <= 2 * context:
            shortened.append(op)
            continue
        head = " ".join(words[:context]) if index > 0 else ""
        tail = " ".join(words[-context:]) if index < len(ops) - 1 else ""
        text = " … ".join(part for part in (head, tail) if part)
        # Keep the stretch's own spacing at its ends: "41%" must not read "41 %".
        leading = op.text[: len(op.text) - len(op.text.lstrip())]
        trailing = op.text[len(op.text.rstrip()) :]
        text = (leading if index > 0 else "… " if not head else "") + text + (trailing if index < len(ops) - 1 else "")
        shortened.append(WordOp("equal", text if index < len(ops) - 1 else text + " …"))
    return shortened


@dataclass(frozen=True)
class Confirmation:
    result: SaveResult | None
    confirmed: tuple[tuple[str, str], ...]
    """(question, the status it is back to)."""
    not_flagged: tuple[str, ...]


def confirm(project: Project, question_ids: list[str]) -> Confirmation:
    """Mark flagged answers as still holding, in one commit; others are only reported."""
    for qid in question_ids:
        project.question(qid)  # an unknown id is refused, with a suggestion
    wanted_ids = list(dict.fromkeys(question_ids))
    entries = project.entries()
    in_conflict = [qid for qid in wanted_ids if entries[qid].conflict]
    if in_conflict:
        raise InvalidInputError(
            f"{', '.join(in_conflict)}: changed on both sides of a sync; settle it with `mlreq resolve QID` first"
        )
    flagged = [qid for qid in wanted_ids if entries[qid].status == "needs-review"]
    not_flagged = tuple(qid for qid in wanted_ids if qid not in flagged)
    if not flagged:
        return Confirmation(None, (), not_flagged)
    restores = {item.question_id: item.restores for item in flagged_answers(project, set(flagged))}
    wanted = {qid: entries[qid].with_changes(status=restores.get(qid, "draft"), review="") for qid in flagged}
    base = {qid: entries[qid] for qid in flagged}
    subject = f"Confirm {flagged[0]} still holds" if len(flagged) == 1 else f"Confirm {len(flagged)} answers still hold"
    result = project.save_entries(wanted, base, subject)
    return Confirmation(result, tuple((qid, wanted[qid].status) for qid in flagged), not_flagged)
