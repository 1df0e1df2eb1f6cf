"""A git merge driver for answer files: merge by question and by field, never markers.

Registered per repository (`merge.mlreq.driver`) for `answers/*.toml` through the
project's `.gitattributes`, so `mlreq sync` and a plain `git pull` merge alike:

- a question changed on one side takes that side's entry;
- different fields changed on the two sides (an answer here, a status there) combine;
- the same answer changed differently on both sides keeps ours as the answer, theirs in
  `conflict`, and marks it needs-review: both texts stay until someone resolves it.

Usage (by git): python -I -m mlreq.projects.mergedriver %O %A %B %P
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from mlreq.bank.errors import MlreqError

from .answers import EMPTY, AnswerFile, Entry
from .atomic import atomic_write
from .gitrepo import GitRepo

DRIVER_NAME = "mlreq"
ATTRIBUTES = "answers/*.toml merge=mlreq\n"
CONFLICT_REVIEW = "changed on both sides of a sync: choose or merge the two versions"


def merge_entries(base: Entry, ours: Entry, theirs: Entry) -> tuple[Entry, bool]:
    """Three-way merge of one question's entry; True when the answers conflicted."""

    def pick(field: str) -> tuple[str, bool]:
        b, o, t = getattr(base, field), getattr(ours, field), getattr(theirs, field)
        if o == t or t == b:
            return o, False
        if o == b:
            return t, False
        return o, True

    answer, answer_conflict = pick("answer")
    status, status_conflict = pick("status")
    notes, notes_conflict = pick("notes")
    review, _ = pick("review")
    conflict, _ = pick("conflict")
    if notes_conflict:
        notes = f"{ours.notes}\n--- the other side's notes ---\n{theirs.notes}"
    if status_conflict:
        status = "needs-review"
        if not review:  # keep both choices visible, as with answers
            review = f"status set to {ours.status!r} here and to {theirs.status!r} on the other side of a sync"
    if answer_conflict:
        status, review, conflict = "needs-review", CONFLICT_REVIEW, theirs.answer
    return Entry(answer=answer, status=status, notes=notes, review=review, conflict=conflict), answer_conflict


def merge_files(base: bytes, ours: bytes, theirs: bytes, label: str) -> tuple[bytes, list[str]]:
    """The merged file (our layout kept) and the question ids whose answers conflicted."""
    base_file = AnswerFile.parse(Path(label), base, f"{label} (base)")
    our_file = AnswerFile.parse(Path(label), ours, f"{label} (ours)")
    their_file = AnswerFile.parse(Path(label), theirs, f"{label} (theirs)")
    base_entries, their_entries = base_file.entries(), their_file.entries()
    conflicts = []
    for question_id, our_entry in our_file.entries().items():
        merged, conflicted = merge_entries(
            base_entries.get(question_id, EMPTY), our_entry, their_entries.get(question_id, our_entry)
        )
        if merged != our_entry:
            our_file.set_entry(question_id, merged)
        if conflicted:
            conflicts.append(question_id)
    for question_id, their_entry in their_entries.items():
        if question_id not in our_file.question_ids():
            our_file.set_entry(question_id, their_entry)  # a question added on the other side
    return our_file.dumps(), conflicts


def driver_command(python: str | None = None) -> str:
    """The command git runs; quoted, since git passes it to a shell."""
    return f"{shlex.quote(python or sys.executable)} -I -m mlreq.projects.mergedriver %O %A %B %P"


def configure_merge_driver(repo: GitRepo) -> None:
    """Tell this clone's git how to run the driver (git never shares config through a remote)."""
    repo.run("config", f"merge.{DRIVER_NAME}.name", "mlreq: merge answers by question")
    repo.run("config", f"merge.{DRIVER_NAME}.driver", driver_command())
    if repo.run("config", "--get-regexp", r"^pull\.(rebase|ff)$", check=False)[0] != 0:
        # No preference anywhere: a plain `git pull` merges (by question) instead of stopping
        # at "Need to specify how to reconcile divergent branches".
        repo.run("config", "pull.rebase", "false")


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print("usage: python -I -m mlreq.projects.mergedriver BASE OURS THEIRS PATH", file=sys.stderr)
        return 2
    base, ours, theirs, label = argv
    try:
        merged, conflicts = merge_files(
            Path(base).read_bytes(), Path(ours).read_bytes(), Path(theirs).read_bytes(), label
        )
        atomic_write(Path(ours), merged)
    except (MlreqError, OSError) as exc:
        # A broken side: leave ours untouched and let git report the path as conflicted.
        print(f"mlreq merge driver: {label}: {exc}", file=sys.stderr)
        return 1
    for question_id in conflicts:
        print(f"mlreq: {question_id} changed on both sides; both versions kept", file=sys.stderr)
    return 0  # conflicts are recorded as data, never as markers


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
