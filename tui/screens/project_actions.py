"""The form screen's actions on the project as a whole: history, iterations, sync.

A mixin of FormScreen, kept apart so the screen module stays about answering questions.
It relies on FormScreen's `project`, `form`, `current`, `expected`, `queue`, `editor`,
`typed_answer`, `save_editor`, `request_save`, `merge_in_editor`, `_show` and
`_update_filter_line`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work

from mlreq.bank.errors import MlreqError
from mlreq.projects import Entry
from mlreq.projects.project import next_entry
from mlreq.projects.safetext import visible

from ..external_editor import edit_externally
from ..modals.conflict_modal import ConflictModal

if TYPE_CHECKING:
    from mlreq.projects.sync import SyncState


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


def export_folder(repo_root: Path) -> Path:
    """Where exports go unless the user says otherwise: never into the project's repository,
    where they would show up as untracked files (and be committed by a careless `git add .`)."""
    candidates = []
    try:
        candidates.append(Path.cwd())
    except OSError:
        pass  # the folder mlreq started in is gone
    candidates.append(Path.home())
    for folder in candidates:
        if folder.is_dir() and not _inside(folder, repo_root):
            return folder
    return Path(tempfile.gettempdir())


class ProjectActions:
    iteration: str | None = None
    """The name of the latest iteration, shown in the header."""
    sync_state: SyncState | None = None

    # ------------------------------------------------------------------ header

    @work(thread=True, group="header", exclusive=True, exit_on_error=False, description="reading iterations and sync state")
    def refresh_project_state(self) -> None:
        from mlreq.projects.history import History
        from mlreq.projects.sync import Sync

        current = History(self.project).current_iteration()
        sync = Sync(self.project)
        state = sync.state() if sync.remote_url() else None
        self.app.call_from_thread(self._set_project_state, current.name if current else None, state)

    def _set_project_state(self, iteration: str | None, state: SyncState | None) -> None:
        self.iteration, self.sync_state = iteration, state
        self._update_filter_line()

    def header_parts(self) -> list[str]:
        parts = [f"after {self.iteration!r}"] if self.iteration else []
        state = self.sync_state
        if state is not None:
            when = time.strftime("%H:%M", time.localtime(state.last_sync)) if state.last_sync else "never"
            parts.append(f"↑{state.ahead} ↓{state.behind} synced {when}")
        return parts

    # ------------------------------------------------------------------ history

    def action_history(self) -> None:
        from .history_screen import HistoryScreen

        self.save_editor()
        screen = HistoryScreen(self.project, wait_for_saves=lambda: self.queue.wait(30))
        self.app.push_screen(screen, lambda _: self.refresh_project_state())  # iterations may have changed

    def action_timeline(self) -> None:
        from .timeline_screen import RestoreChoice, TimelineScreen

        question = self.form.question(self.current or "")
        if question is None:
            return
        self.save_editor()

        def restore(choice: RestoreChoice | None) -> None:
            if choice is None:
                return
            current = self.expected.get(question.id, Entry())
            wanted = current.with_changes(answer=choice.entry.answer, status="draft")
            if wanted == current:
                self.notify(f"{question.id} already has that wording; nothing to restore.")
                return
            self.request_save(question.id, wanted, choice.source)
            self._show(question.id)
            if self.expected.get(question.id) == wanted:  # not refused (read-only, a conflict being decided)
                self.notify(f"Restored {question.id} from {choice.source.long} as a new save.")

        self.app.push_screen(TimelineScreen(self.project, question), restore)

    def action_new_iteration(self) -> None:
        from ..modals.iteration_prompt import IterationPrompt

        self.save_editor()

        def named(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._create_iteration(*result)

        self.app.push_screen(IterationPrompt(self.iteration), named)

    @work(thread=True, group="git", exit_on_error=False, description="naming the iteration")
    def _create_iteration(self, name: str, note: str) -> None:
        from mlreq.projects.history import History

        self.queue.wait(30)  # the milestone must include every queued save
        try:
            iteration = History(self.project).create_iteration(name, note)
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Iteration not created", severity="error")
            return
        self.app.call_from_thread(self.refresh_project_state)
        self.app.call_from_thread(self.notify, f"Iteration {iteration.name!r} marks this state ({iteration.tag}).")

    # ------------------------------------------------------------------ sync

    def action_sync(self) -> None:
        self.save_editor()
        self.notify("Syncing…")
        self._run_sync()

    @work(thread=True, group="git", exit_on_error=False, description="syncing")
    def _run_sync(self) -> None:
        from mlreq.projects.sync import Sync

        self.queue.wait(30)  # push what was typed, not what was typed minus the last pause
        try:
            report = Sync(self.project).sync()
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Sync failed", severity="error", timeout=10)
            return
        self.app.call_from_thread(self.notify, _sync_summary(report), timeout=8)
        self.app.call_from_thread(self.refresh_project_state)

    _auto_syncing = False
    _auto_sync_error = ""

    def auto_sync(self) -> None:
        """`mlreq --sync-every N`: a background sync while either side has changes; never
        while an answer is being typed or saved (the next round comes soon enough)."""
        if self._auto_syncing or self.dirty or self.queue.busy or self.read_only_reason:
            return
        self._auto_syncing = True
        self._run_auto_sync()

    @work(thread=True, group="autosync", exit_on_error=False, description="syncing in the background")
    def _run_auto_sync(self) -> None:
        from mlreq.projects.sync import Sync

        try:
            sync = Sync(self.project)
            if sync.remote_url() is None or not sync.has_changes(push=self.project.root == self.project.repo_root):
                return
            report = sync.sync()
            self._auto_sync_error = ""
        except MlreqError as exc:
            if str(exc) != self._auto_sync_error:  # said once, not every round
                self._auto_sync_error = str(exc)
                self.app.call_from_thread(self.notify, str(exc), title="Background sync failed", severity="warning", timeout=10)
            return
        finally:
            self._auto_syncing = False
        self.app.call_from_thread(self.notify, _sync_summary(report), timeout=8)
        self.app.call_from_thread(self.refresh_project_state)

    def action_resolve_versions(self) -> None:
        """Choose between this machine's answer and the other side's after a sync."""
        qid = self.current
        entry = self.expected.get(qid or "", Entry())
        if qid is None or not entry.conflict:
            self.notify("This answer has only one version.")
            return
        question = self.form.question(qid)

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            if choice == "merge":  # in the answer box; saved (and the conflict settled) when the user saves
                self._show(qid)
                self.merge_in_editor(entry.answer, entry.conflict, "the other side's version")
                return
            kept = entry.answer if choice == "mine" else entry.conflict
            self.request_save(qid, next_entry(entry, kept, "draft", None))
            self._show(qid)

        modal = ConflictModal(question.text if question else qid, entry.answer, entry.conflict, cause="sync")
        self.app.push_screen(modal, chosen)

    # ------------------------------------------------------------------ tailoring

    def action_enable_optional(self) -> None:
        """Offer the questions interviewees proposed that the final form left out."""
        from mlreq.projects.tailoring import optional_questions

        from ..modals.choice_modal import ChoiceModal

        available = [q for q in optional_questions() if self.form.question(q.id) is None]
        if not available:
            self.notify("Every optional question is already in the form.")
            return

        def chosen(question_id: str | None) -> None:
            if question_id:
                self._tailor("enable_optional", (question_id,), f"switched on {question_id}", ("enable optional", question_id))

        options = [(f"{q.id}: {q.text}", q.id) for q in available]
        self.app.push_screen(ChoiceModal("Switch on a question (mlreq's additions, proposed by the thesis' interviewees)", options), chosen)

    def action_add_question(self) -> None:
        """Add a question to the current question's stage (each change one commit)."""
        from ..modals.fields_prompt import Field, FieldsPrompt

        current = self.form.question(self.current or "")
        stage = self.form.stage(current.stage) if current else self.form.stages[0]
        roles = ", ".join(visible(r.name) for r in self.form.roles)
        fields = [
            Field("text", "the question, e.g. Which data quality checks run at ingestion?", required="Write the question."),
            Field("roles", f"roles to ask, comma-separated ({roles})", required="Name at least one role."),
            Field("examples", "example answers (optional)"),
        ]

        def added(values: dict[str, str] | None) -> None:
            if values:
                role_names = [r.strip() for r in values["roles"].split(",") if r.strip()]
                arguments = (stage.id, role_names, values["text"], values["examples"])
                self._tailor("add_question", arguments, "added the question", ("add", "", values["text"]))

        self.app.push_screen(FieldsPrompt(f"New question in {visible(stage.name)} (mlreq marks it as the project's, not the thesis')", fields, "Add"), added)

    def action_reword_question(self) -> None:
        from ..modals.fields_prompt import Field, FieldsPrompt

        question = self.form.question(self.current or "")
        if question is None:
            return

        def reworded(values: dict[str, str] | None) -> None:
            if values and values["text"] != question.text:
                self._tailor("reword", (question.id, values["text"]), f"reworded {question.id}", ("reword", question.id, values["text"]))

        field = Field("text", "the question", value=question.text, required="The question needs a text.")
        self.app.push_screen(FieldsPrompt(f"Reword {question.id} for this project", [field], "Reword"), reworded)

    def action_remove_question(self) -> None:
        """Take the current question out of the form; its answer and history are kept."""
        qid = self.current
        if qid is None:
            return
        from ..modals.choice_modal import ChoiceModal

        def chosen(answer: str | None) -> None:
            if answer == "remove":
                self._tailor("remove", (qid,), f"removed {qid} (its answer is kept)", ("remove", qid))

        question = self.form.question(qid)
        options = [(f"Remove {qid} from this project's form", "remove"), ("Keep it", "keep")]
        self.app.push_screen(ChoiceModal(f"{question.text if question else qid}\nIts answer and history stay in the files and in git.", options), chosen)

    @work(thread=True, group="git", exit_on_error=False, description="changing the question set")
    def _tailor(self, operation: str, arguments: tuple, done: str, message: tuple[str, ...]) -> None:
        """Run one FormEditor operation and commit it; `message` is (action, subject, detail),
        with an empty subject meaning the id the operation returns."""
        from mlreq.projects.tailoring import FormEditor, form_message

        self.queue.wait(30)
        try:
            editor = FormEditor.open(self.project)
            made = getattr(editor, operation)(*arguments)
            action, subject, *detail = message
            subject = subject or str(made)  # an added question's id is known only now
            result = editor.save(form_message(action, subject, *detail))
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="The question set is unchanged", severity="error", timeout=10)
            return
        note = done if result.commit_error is None else f"{done}; not committed: {result.commit_error}"
        self.app.call_from_thread(self.form_changed, note)

    def form_changed(self, note: str) -> None:
        """The project's question set changed: show the new one."""
        self.form = self.project.form
        for question in self.form.questions:
            self.entries.setdefault(question.id, Entry())
            self.expected.setdefault(question.id, Entry())
        if self.current not in {q.id for q in self.form.questions} and self.form.questions:
            self.current = self.form.questions[0].id
        self._rebuild_nav()
        self._reload_entries()  # a reworded question's answer is flagged, a dropped role's sign-off gone
        self._show(self.current)
        self.notify(note)

    # ------------------------------------------------------------------ export

    def action_export(self) -> None:
        from ..modals.export_dialog import ExportDialog

        self.save_editor()
        role = self.form.role(self.role_filter) if self.role_filter else None
        scope = f"the {visible(role.name)}'s questions (the role filter in use)" if role else "the whole form"
        stem = "-".join(self.project.name.lower().split())[:40] or "requirements"

        def chosen(request) -> None:  # type: ignore[no-untyped-def]
            if request is not None:
                self._write_export(request.fmt, request.path, self.role_filter)

        self.app.push_screen(ExportDialog(export_folder(self.project.repo_root), stem, scope), chosen)

    @work(thread=True, group="export", exit_on_error=False, description="exporting")
    def _write_export(self, fmt: str, path: Path, role_id: str | None) -> None:
        from dataclasses import replace

        from mlreq.projects.atomic import write_output
        from mlreq.projects.exports import Filters, load_state, render

        self.queue.wait(30)  # export what was typed, saved
        try:
            state = load_state(self.project, None, with_times=fmt == "reqif")
            if role_id:
                state = replace(state, filters=Filters(roles=(role_id,)))
            write_output(path, render(state, fmt))
        except (MlreqError, OSError) as exc:
            self.app.call_from_thread(self.notify, f"Export failed: {exc}", severity="error", timeout=10)
            return
        where = " (inside the project's git repository)" if _inside(path, self.project.repo_root) else ""
        self.app.call_from_thread(self.notify, f"Wrote {path}{where}", timeout=8)

    # ------------------------------------------------------------------ editing elsewhere

    def action_external_editor(self) -> None:
        """Edit the answer in $VISUAL/$EDITOR: for very long answers, or out of habit."""
        if self.current is None:
            return
        if self.app.is_web:  # `mlreq serve`: the editor would run on the server, out of sight
            self.notify("$EDITOR (F4) works in the terminal app, not in a browser: type the answer here", severity="warning")
            return
        qid = self.current
        raw = self.typed_answer if self.dirty else self.expected.get(qid, Entry()).answer
        try:
            edited = edit_externally(raw, self.project.root, self.app)
        except MlreqError as exc:
            self.notify(str(exc), severity="error")
            return
        if edited != self.expected.get(qid, Entry()).answer:
            self.request_save(qid, next_entry(self.expected.get(qid, Entry()), edited, None, None))
            self._show(qid)
        self.action_edit()  # back from $EDITOR to the answer, wherever F4 was pressed

    # ------------------------------------------------------------------ requirements

    requirement_filters = None
    """The requirements screen's filters and place, kept so coming back finds them."""

    def action_write_requirement(self, values: dict | None = None, error: str = "") -> None:
        """Write a requirement from the current question's answer (w in the list)."""
        from ..modals.requirement_editor import RequirementEditor

        question = self.form.question(self.current or "")
        if question is None:
            return
        if self.read_only_reason:
            self.notify(self.read_only_reason, title="Nothing can be saved now", severity="warning", timeout=8)
            return
        self.save_editor()

        def written(result: dict | None) -> None:
            if result is not None:
                self._write_requirement(question.id, result)

        if values is None:  # a requirement begun earlier and never written comes back
            draft = self.requirement_drafts.newest(question.id)
            if draft is not None:
                values = draft.values
                error = f"Your unsaved requirement from {time.strftime('%Y-%m-%d %H:%M', time.localtime(draft.saved_at))} is back (Esc discards it)."
        answer = self.expected.get(question.id, Entry()).answer
        self.app.push_screen(RequirementEditor(question, answer, values, error, self.requirement_drafts), written)

    @work(thread=True, group="git", exit_on_error=False, description="writing the requirement")
    def _write_requirement(self, question_id: str, values: dict) -> None:
        from mlreq.projects.requirements import new_requirement

        try:
            saved = new_requirement(self.project, [question_id], values["text"], values["pattern"],
                                    values["criteria"], values["priority"])
        except MlreqError as exc:  # the text is not lost: the editor opens again with it
            self.app.call_from_thread(self.action_write_requirement, values, f"Not saved: {exc}")
            return
        self.requirement_drafts.discard(question_id)  # requirements.toml holds it now
        result = saved.result
        if result is not None and result.commit_error is not None:
            self.app.call_from_thread(self.notify, f"{saved.requirement.id} is in requirements.toml but not committed: "
                                      f"{result.commit_error}", severity="warning", timeout=10)
            return
        self.app.call_from_thread(self.notify, f"{saved.requirement.id} written from {question_id} (commit {result.commit[:10]})")

    def action_requirements(self) -> None:
        """The requirements screen (l in the list); Enter there comes back to a question."""
        from mlreq.projects.requirements import load_requirements

        from .requirements_screen import RequirementFilters, RequirementsScreen

        try:
            requirements = load_requirements(self.project)
        except MlreqError as exc:
            self.notify(str(exc), title="Cannot show the requirements", severity="error", timeout=10)
            return
        self.save_editor()
        if self.requirement_filters is None:
            self.requirement_filters = RequirementFilters()

        def chosen(question_id: str | None) -> None:
            if question_id and self.form.question(question_id) is not None:
                self.go_to(question_id)

        self.app.push_screen(RequirementsScreen(self.project, requirements, self.requirement_filters), chosen)

def _sync_summary(report) -> str:  # type: ignore[no-untyped-def]
    summary = f"Synced: {report.fetched_commits} commit(s) in" + (", pushed" if report.pushed else "")
    if report.after_merge:
        summary += f"; {report.after_merge}"
    if report.conflicts:
        summary += f"; changed on both sides, both kept: {', '.join(report.conflicts)} (press v on one)"
    if report.form_conflicts:
        summary += f"; form questions changed on both sides, both kept in form.toml: {', '.join(report.form_conflicts)} (mlreq check)"
    if report.tag_clashes:
        summary += f"; iteration names used on both sides (each keeps its own): {', '.join(report.tag_clashes)}"
    if report.not_pushed:
        summary += f"; {len(report.not_pushed)} commit(s) not pushed (shared repository: mlreq sync --push)"
    return summary
