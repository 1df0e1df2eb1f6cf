"""The form: questions on the left, the selected one and its answer on the right.

Data flow: a keystroke changes the editor -> a draft is written shortly after (crash
safety) -> after AUTOSAVE_DELAY of quiet, on leaving the question or on Ctrl+S the
screen queues a save -> the SaveQueue's worker writes the file and commits -> a
SaveFinished message updates markers and the indicator. A watcher notices changes made
outside and reloads them, never overwriting what is being typed.
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static, TextArea

from mlreq.bank import Question
from mlreq.bank.errors import MlreqError
from mlreq.projects import Entry, Project
from mlreq.projects.commitmessage import Restoration
from mlreq.projects.reqdrafts import RequirementDrafts
from mlreq.projects.drafts import Draft, DraftStore
from mlreq.projects.impact import affected_by
from mlreq.projects.layout import STATE_DIR
from mlreq.projects.errors import ConflictingEntry
from mlreq.projects.project import next_entry
from mlreq.projects.safetext import visible

from ..widgets.app_header import AppHeader
from ..messages import DiskChanged, DraftWritten, PresenceSeen, SaveFinished, SaveStarted
from ..modals.conflict_modal import ConflictModal
from ..modals.role_picker import RolePicker
from ..editor_text import EditorText
from ..save_queue import RETRY, SaveQueue
from .project_actions import ProjectActions
from ..widgets.answer_editor import EDITOR_LIMIT, AnswerEditor
from ..widgets.question_detail import QuestionDetail
from ..widgets.question_nav import QuestionNav
from ..widgets.notice_line import NoticeLine
from ..widgets.save_indicator import SaveIndicator

AUTOSAVE_DELAY = 2.0
"""Seconds without typing before the answer is saved and committed."""
MERGING = "both versions are in the box: keep what holds, then Ctrl+S saves"
"""The save line while a merge by hand waits for the user (the autosave leaves it alone)."""
DRAFT_DELAY = 0.3
"""Seconds without typing before the text is copied to the crash-safe draft file."""
RETRY_DELAY = 5.0
"""Seconds between retries of a save that failed (a full disk, a read-only folder)."""


class FormScreen(ProjectActions, Screen):
    """Answer the form in any order, stage by stage or one role at a time."""

    BINDINGS = [
        Binding("ctrl+n", "next_question", "Next", id="next", priority=True, tooltip="Save and go to the next question"),
        Binding("ctrl+r", "previous_question", "Prev", id="previous", priority=True, show=False, tooltip="Save and go back one question"),
        Binding("ctrl+o", "next_open", "Next open", id="next_open", priority=True, tooltip="Next question without an answer"),
        Binding("ctrl+t", "mark('agreed')", "Agreed", id="mark_agreed", priority=True, tooltip="Mark the answer agreed"),
        Binding("ctrl+s", "save_now", "Save", id="save", priority=True, tooltip="Save and commit now"),
        Binding("ctrl+f", "pick_role", "Role", id="role_filter", priority=True, tooltip="Show one role's questions"),
        Binding("ctrl+down", "next_question", "Next", show=False, priority=True),
        Binding("ctrl+up", "previous_question", "Prev", show=False, priority=True),
        Binding("escape", "browse", "List", id="browse", show=False, tooltip="Leave the answer box for the question list"),
        Binding("f2", "progress", "Progress", id="progress", show=False, tooltip="Completeness per stage and role"),
        # The single-letter commands belong to the question list (QuestionNav.BINDINGS):
        # they act, and the footer shows them, only while the list has the focus.
        Binding("f3", "history", "History", show=False, id="history", tooltip="Iterations, saves and what changed"),
        Binding("f4", "external_editor", "$EDITOR", show=False, id="external_editor", tooltip="Edit the answer in $EDITOR"),
        Binding("f5", "new_iteration", "Iteration", show=False, id="new_iteration", tooltip="Name this state as an iteration"),
        Binding("f9", "review", "Review", show=False, id="review", priority=True, tooltip="Every answer flagged needs-review, in one pass"),
        Binding("f8", "agreed_by", "Agreed by", show=False, id="agreed_by", priority=True, tooltip="Mark agreed, choosing which roles agreed"),
        Binding("f6", "minor_edit", "Minor", show=False, id="minor_edit", priority=True, tooltip="Mark this edit minor: it flags nothing"),
    ]

    role_filter: reactive[str | None] = reactive(None, init=False)
    search_text: reactive[str] = reactive("", init=False)

    def __init__(self, project: Project, entries: dict[str, Entry]) -> None:
        super().__init__()
        self.project = project
        self.form = project.form
        self.entries = entries
        """What the files on disk hold, as last read or saved."""
        self.expected = dict(entries)
        """What the files will hold once every queued save has run: the base of the next save."""
        self.current: str | None = self.form.questions[0].id if self.form.questions else None
        self.shown: list[str] = [q.id for q in self.form.questions]
        self.editor_original = ""
        """What the answer box showed when the answer was loaded or last saved."""
        self.editor_text = EditorText()
        """How the loaded answer maps to what the box shows (line endings, control characters)."""
        self.drafts = DraftStore(project.root)
        self.requirement_drafts = RequirementDrafts(project.root, self.drafts.session)
        self.queue = SaveQueue(self.app, project, target=self)
        self._autosave_timer: Timer | None = None
        self._draft_timer: Timer | None = None
        self._shown_errors: set[str] = set()
        self._ripple_shown = False
        """Whether the 'saving this will flag…' line is up for the current question."""
        self.unsaved: dict[str, Entry] = {}
        """Answers whose save failed after the user moved on: shown again on return."""
        self.read_only_reason: str | None = None
        """Set before the screen is shown when the repository may not be committed to
        (mid-merge, detached HEAD...): a banner says why, and nothing can be typed or saved."""
        self.draft_places: dict[str, Path | None] = {}
        """Where each question's latest draft landed; None where it could not be written."""
        self._failure: tuple[str, str] | None = None
        """(question, why) of the failed save the indicator shows, to redraw it when the draft lands."""
        self._retry_timer: Timer | None = None
        self.restored: dict[str, Draft] = {}
        """Drafts of ended sessions restored here: their files go once a commit holds the text."""
        self.conflict_on: str | None = None
        """The question whose conflict dialog is open: nothing saves it until the user chooses."""
        self.conflicts_waiting: list[ConflictingEntry] = []
        """Conflicts found while a dialog was open, shown one after another."""
        self.merging: str | None = None
        """The question whose box holds both versions to merge: saved when the user saves."""
        self.minor_edits: set[str] = set()
        """Questions whose edit the user marked minor (F6): their saves flag nothing."""
        self.own_flags: dict[str, Entry] = {}
        """Entries this session's saves marked needs-review, as written (not someone else's change)."""
        self._saves_heard = 0
        self.editors_elsewhere: list = []
        """Other sessions editing this project (Presence), most recently moved first."""
        """SaveFinished messages handled: fewer than `queue.started` means one is on its way."""

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield AppHeader()
        if self.read_only_reason:
            yield Static(self.read_only_reason, id="read-only-banner", markup=False)
        with Horizontal(id="main"):
            with Vertical(id="nav-pane"):
                yield Input(placeholder="search questions and answers", id="search")
                yield Static("", id="filter-line", markup=False)
                yield QuestionNav(id="nav")
            yield QuestionDetail(id="detail")
        yield NoticeLine(id="notice")
        yield SaveIndicator(id="indicator")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.title = f"mlreq · {visible(self.project.name)}"
        self.query_one("#search", Input).display = False
        self._rebuild_nav()
        if self.current:
            self._show(self.current)
        self.query_one(AnswerEditor).focus()
        self.refresh_project_state()

    @property
    def editor(self) -> AnswerEditor:
        return self.query_one(AnswerEditor)

    @property
    def nav(self) -> QuestionNav:
        return self.query_one(QuestionNav)

    @property
    def indicator(self) -> SaveIndicator:
        return self.query_one(SaveIndicator)

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None, markup: bool = True) -> None:  # type: ignore[no-untyped-def, override]
        """Tell the user in the notice lines above the save status, never over the answer box."""
        message, title = visible(message), visible(title)  # file names and texts from a repository
        try:
            line = self.query_one(NoticeLine)
        except NoMatches:  # not composed yet: a toast (App's own, not MlreqApp's, which routes here)
            App.notify(self.app, message, title=title, severity=severity, timeout=timeout, markup=markup)
            return
        line.show(f"{title}: {message}" if title else message, severity, timeout)

    @on(AnswerEditor.Refused)
    def _refused(self, message: AnswerEditor.Refused) -> None:
        self.notify(message.reason, severity="warning", timeout=10)

    # ------------------------------------------------------------------ showing

    def _rebuild_nav(self) -> None:
        words = self.search_text.casefold().split()
        shown = []
        for question in self.form.questions:
            if self.role_filter and self.role_filter not in question.roles:
                continue
            if words and not all(w in self._haystack(question) for w in words):
                continue
            shown.append(question.id)
        self.shown = shown
        self.nav.rebuild(self.form, self.entries, shown, self.current)
        self._update_filter_line()

    def _haystack(self, question: Question) -> str:
        entry = self.entries.get(question.id, Entry())
        return " ".join((question.id, question.text, question.examples, entry.answer, entry.notes)).casefold()

    def _update_filter_line(self) -> None:
        parts = []
        if self.role_filter:
            role = self.form.role(self.role_filter)
            parts.append(f"Role: {role.name if role else self.role_filter}")
        if self.search_text:
            parts.append(f"Search: {self.search_text}")
        line = self.query_one("#filter-line", Static)
        line.update(" · ".join(parts) + f" ({len(self.shown)}) · x clears" if parts else "")
        line.display = bool(parts)
        self.sub_title = visible(" · ".join([*self.header_parts(), *parts]))

    def _position(self, question_id: str) -> str:
        question = self.form.question(question_id)
        in_stage = [q.id for q in self.form.questions_in(question.stage)] if question else []
        return f"{in_stage.index(question_id) + 1}/{len(in_stage)}" if question_id in in_stage else ""

    def _show(self, question_id: str) -> None:
        """Display a question and load its answer into the editor."""
        question = self.form.question(question_id)
        if question is None:
            return
        if question_id != self.current:
            self.minor_edits.clear()  # a minor mark is for one edit: it ends when the user leaves the answer
        self.current = question_id
        entry = self.expected.get(question_id, Entry())
        self.query_one(QuestionDetail).show(question, entry, self.form, self._position(question_id))
        self._ripple_shown = False  # show() cleared the line
        self._load_editor(entry.answer)
        self._show_presence()
        if question_id in self.unsaved:  # a save that failed after the user moved on
            with self.editor.prevent(TextArea.Changed):
                self.editor.load_text(self.editor_text.shown(self.unsaved[question_id].answer))
            self.indicator.state = "unsaved"
            self.indicator.detail = "this answer was not saved yet; it is saved again now"
            self._autosave_timer = self.set_timer(AUTOSAVE_DELAY, self.save_editor)
        self.nav.move_to(question_id)

    def _load_editor(self, answer: str) -> None:
        # Control characters from files are shown as symbols, never sent to the terminal,
        # and saved back as they were (EditorText): what the user did not touch stays exact.
        exact = EditorText.of(answer)
        self.editor_text = exact or EditorText(symbols=True)
        shown = self.editor_text.shown(answer)
        self.editor_original = shown
        editor = self.editor
        with editor.prevent(TextArea.Changed):
            editor.load_text(shown)
        editor.read_only = len(answer) > EDITOR_LIMIT or exact is None
        # Short enough for the box's border at 80x24.
        if len(answer) > EDITOR_LIMIT:
            editor.border_subtitle = f"{len(answer) // 1000} KB, too large: F4 edits it"
        elif exact is None:  # see EditorText: a control character next to a literal symbol
            editor.border_subtitle = "read-only, symbols mixed in: F4 edits"
        else:
            editor.border_subtitle = ""
        if self.read_only_reason:
            editor.read_only, editor.border_subtitle = True, "read-only (see the line at the top)"

    def _refresh_current_heading(self) -> None:
        if self.current and (question := self.form.question(self.current)):
            entry = self.expected.get(self.current, Entry())
            self.query_one(QuestionDetail).show(question, entry, self.form, self._position(self.current))
            self._ripple_shown = False  # show() cleared the line; the next keystroke redraws it

    @property
    def typed_answer(self) -> str:
        """The answer the box holds, as it will be saved (the box shows symbols for controls)."""
        return self.editor_text.answer(self.editor.text)

    @property
    def dirty(self) -> bool:
        return self.current is not None and self.editor.text != self.editor_original

    # ------------------------------------------------------------------ saving

    @on(TextArea.Changed, "#answer")
    def _typed(self) -> None:
        dirty = self.dirty  # once per keystroke: it copies the whole text out of the editor
        self.indicator.state = "unsaved" if dirty else self.indicator.state
        self.indicator.detail = MERGING if self.current == self.merging else ""
        if self.current and dirty != self._ripple_shown:
            # Only when the answer turns changed or unchanged, never on every keystroke.
            self._ripple_shown = dirty
            self._show_ripple(dirty)
        for timer in (self._autosave_timer, self._draft_timer):
            if timer is not None:
                timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self._write_draft)
        self._autosave_timer = self.set_timer(AUTOSAVE_DELAY, self._autosave)

    def _show_ripple(self, dirty: bool) -> None:
        """What saving the box would flag (direct dependents) and may affect (further down).

        A first answer flags nothing (impact's rules), nor do the saves that go on typing it."""
        detail = self.query_one(QuestionDetail)
        qid = self.current
        if not dirty or qid is None:
            detail.show_ripple([])
            return
        base = self.project.edit_base(qid)
        base = self.entries.get(qid, Entry()).answer if base is None else base
        if not base.strip():
            detail.show_ripple([], minor=qid in self.minor_edits)
            return
        affected = affected_by(self.form, qid, self.expected)
        detail.show_ripple(
            [a.question_id for a in affected if a.would_be_flagged],
            [a.question_id for a in affected if a.may_be_affected],
            minor=qid in self.minor_edits,
        )

    def action_minor_edit(self) -> None:
        """Mark (or unmark) the current answer's edit minor: it flags nothing downstream."""
        if self.current is None:
            return
        self.minor_edits ^= {self.current}
        self._show_ripple(True)
        self.notify(
            f"Minor edit: saving {self.current} flags nothing (F6 again to undo)" if self.current in self.minor_edits
            else f"Saves of {self.current} flag what builds on it again"
        )

    def action_agreed_by(self) -> None:
        """Mark the answer agreed, with the roles that agreed (the question's preselected)."""
        from ..modals.sign_off_picker import SignOffPicker

        qid = self.current
        question = self.form.question(qid) if qid else None
        if qid is None or question is None or self.read_only_reason:
            return
        self.save_editor()

        def chosen(roles: tuple[str, ...] | None) -> None:
            if roles is None:
                return
            self.request_save(qid, next_entry(self.expected.get(qid, Entry()), None, "agreed", None, roles))
            self._refresh_current_heading()
            self.nav.refresh_labels(self.expected)

        self.app.push_screen(SignOffPicker(self.form, question, self.expected.get(qid, Entry())), chosen)

    def action_review(self) -> None:
        from .review_screen import ReviewScreen

        self.save_editor()

        def chosen(question_id: str | None) -> None:
            self._reload_entries()
            if question_id:
                self.go_to(question_id)
                self.action_edit()

        self.app.push_screen(ReviewScreen(self.project), chosen)

    def _reload_entries(self) -> None:
        """Take confirmations made in the review view (committed there) into the form."""
        try:
            fresh = self.project.entries()
        except Exception:  # noqa: BLE001 - a broken file: the disk watcher reports it
            return
        for qid, entry in fresh.items():
            if self.expected.get(qid) == self.entries.get(qid) and self.entries.get(qid) != entry:
                self.entries[qid] = self.expected[qid] = entry
        self.nav.refresh_labels(self.entries)
        self._refresh_current_heading()

    def _autosave(self) -> None:
        if self.current != self.merging:  # half-merged text waits for the user's Ctrl+S
            self.save_editor()

    def _write_draft(self) -> None:
        if self.current is None:
            return
        if self.dirty:
            self._store_draft(self.current, self.typed_answer, self.expected.get(self.current, Entry()))
        else:  # typed, then taken back: a draft of the taken-back text must not be offered later
            self.drafts.discard(self.current)

    @work(thread=True, group="drafts", exit_on_error=False, description="keeping a draft")
    def _store_draft(self, question_id: str, text: str, base: Entry) -> None:
        self.post_message(self._draft(question_id, text, base))

    def _draft(self, question_id: str, text: str, base: Entry) -> DraftWritten:
        try:
            return DraftWritten(question_id, self.drafts.write(question_id, text, base))
        except OSError as exc:  # a full disk everywhere: the text is only on screen, say so
            return DraftWritten(question_id, None, exc.strerror or str(exc))

    def write_draft_now(self) -> None:
        """Synchronously keep what is being typed (signal handlers, quitting), the answer
        and a requirement being written in its dialog."""
        if self.dirty and self.current:
            written = self._draft(self.current, self.typed_answer, self.expected.get(self.current, Entry()))
            self.draft_places[written.question_id] = written.place
        for editor in self._requirement_editors():
            editor.write_draft_now()

    def _requirement_editors(self) -> list:  # type: ignore[type-arg]
        from ..modals.requirement_editor import RequirementEditor

        return [screen for screen in self.app.screen_stack if isinstance(screen, RequirementEditor)]

    @on(DraftWritten)
    def _draft_written(self, message: DraftWritten) -> None:
        qid = message.question_id
        self.draft_places[qid] = message.place
        if self._failure is not None and self._failure[0] == qid and self.indicator.state == "failed":
            self._show_failure(qid, self._failure[1])
        elif qid == self.current and self.indicator.state == "unsaved":
            if message.place is None:
                self.indicator.detail = f"your text is only on screen: no draft could be written ({message.reason})"
            elif self.indicator.detail.startswith("your text is only on screen"):
                self.indicator.detail = ""

    def where_text_is(self, question_id: str) -> str:
        """Where the typed text of a question that is not in its file is kept, in words."""
        if question_id == self.current:
            whose, held = "your text", "on screen"
        else:  # left after a failed save: shown again on return
            whose, held = f"your text of {question_id}", "kept in this session"
        if question_id not in self.draft_places:
            return f"{whose} is {held}"
        place = self.draft_places[question_id]
        if place is None:
            return f"{whose} is only {held} (no draft could be written either)"
        if place.parent == self.drafts.folder:
            return f"{whose} is {held} and in a draft in {STATE_DIR}/drafts"
        return f"{whose} is {held} and in a draft in {place.parent}"

    def text_only_on_screen(self) -> list[str]:
        """Questions whose typed text is in no file and no draft: quitting would lose it."""
        lost = [qid for qid in self.unsaved if self.draft_places.get(qid, Path()) is None]
        lost += [f"the requirement from {e.question.id}" for e in self._requirement_editors() if e.draft_failed and e.typed]
        if self.current and self.current not in lost and self.draft_places.get(self.current, Path()) is None:
            try:  # read the file itself: the last save's outcome may not have reached this screen yet
                in_file = self.project.entry(self.current).answer == self.typed_answer
            except MlreqError:
                in_file = False
            if not in_file:
                lost.append(self.current)
        return lost

    def _show_failure(self, question_id: str, why: str) -> None:
        self._failure = (question_id, why)
        self.indicator.state = "failed"
        where = self.where_text_is(question_id) if question_id != RETRY else "your answers are in their files"
        self.indicator.detail = f"{where}; {why}; ctrl+s retries"

    def _retry_failed_saves(self) -> None:
        """Save again what a write refused (a full disk, a read-only folder): it may work now."""
        self._retry_timer = None
        if self.conflict_on is not None or self.conflicts_waiting:  # the dialog's choice decides what is saved
            self._retry_timer = self.set_timer(RETRY_DELAY, self._retry_failed_saves)
            return
        self.save_editor()
        for qid, wanted in list(self.unsaved.items()):
            self.request_save(qid, wanted)

    def save_editor(self) -> None:
        """Queue a save of the editor's text if it changed."""
        if not self.dirty or self.current is None or self.editor.read_only or self.undecided(self.current):
            return
        self.merging = None
        self.editor_original = self.editor.text
        answer = self.editor_text.answer(self.editor_original)
        self.request_save(self.current, next_entry(self.expected.get(self.current, Entry()), answer, None, None))

    def undecided(self, question_id: str) -> bool:
        """Whether a conflict on `question_id` waits for the user's choice (nothing saves it)."""
        return question_id == self.conflict_on or any(c.question_id == question_id for c in self.conflicts_waiting)

    def request_save(self, question_id: str, wanted: Entry, restored_from: Restoration | None = None) -> None:
        if self.read_only_reason:
            self.notify(self.read_only_reason, title="Nothing can be saved now", severity="warning", timeout=8)
            return
        base = self.expected.get(question_id, Entry())
        if wanted == base or self.undecided(question_id):
            return
        self.expected[question_id] = wanted
        self.queue.request(question_id, wanted, base, restored_from, minor=question_id in self.minor_edits)

    @on(SaveStarted)
    def _save_started(self) -> None:
        self.indicator.state = "saving"
        self.indicator.detail = ""

    @on(SaveFinished)
    def _save_finished(self, message: SaveFinished) -> None:
        self._saves_heard += 1
        qid = message.question_id
        if message.conflict is not None:
            if message.conflict.theirs == self.own_flags.pop(qid, None):
                self._save_over_own_flag(message.conflict)
                return
            self._resolve_conflict(message.conflict)
            return
        if message.error is not None:
            self.expected[qid] = self.entries.get(qid, Entry())
            if qid == self.current:
                # The text is still unsaved: compare it with the file again, so Ctrl+S,
                # leaving the question or the next pause retries the save; and keep it in
                # a draft now, which also tells where the text is.
                self.editor_original = self.editor_text.shown(self.expected[qid].answer)
                self._store_draft(qid, self.typed_answer, self.expected[qid])
            elif qid != RETRY:
                # The user moved on: keep the words for when they come back, and on disk.
                self.unsaved[qid] = message.saved
                self._store_draft(qid, message.saved.answer, self.expected[qid])
            self._show_failure(qid, str(message.error))
            if self._retry_timer is not None:
                self._retry_timer.stop()
            self._retry_timer = self.set_timer(RETRY_DELAY, self._retry_failed_saves)
            return
        self._failure = None
        result = message.result
        if qid != RETRY:
            self.entries[qid] = message.saved
            self.unsaved.pop(qid, None)
        for flagged in (*result.flagged, *result.withdrawn) if result else ():
            fresh = self.project.entry(flagged)
            if self.expected.get(flagged) == self.entries.get(flagged):  # no save of ours on its way for it
                self.expected[flagged] = fresh
            self.entries[flagged] = self.own_flags[flagged] = fresh
        if result and result.flagged:
            further = f"; may be affected: {', '.join(result.may_be_affected)}" if result.may_be_affected else ""
            self.notify(f"Needs review now: {', '.join(result.flagged)} (they build on {qid}){further}; F9 reviews", severity="warning")
        if result and result.withdrawn:
            self.notify(f"No longer in doubt: {', '.join(result.withdrawn)} (the change to {qid} that flagged them was undone)")
        if result is not None and result.commit_error is None:
            # A draft goes only once its text is in a commit (this one or an earlier one).
            for done in {qid, *result.committed} - {RETRY, *self.unsaved}:
                in_flight = self.expected.get(done) != self.entries.get(done)  # a newer save is queued
                if not in_flight and not (done == self.current and self.dirty):
                    self.drafts.discard(done)
                    self.draft_places.pop(done, None)
                    if done in self.restored:
                        self.drafts.remove(self.restored.pop(done))
        self.nav.refresh_labels(self.entries)
        if qid == self.current:
            self._refresh_current_heading()
        if result is not None and result.commit_error is not None:
            reason = str(result.commit_error).removeprefix("saved on disk but not committed: ")
            question = self.form.question(qid)
            where = f"your text is in {self.project.file_of(question)}" if question else "your answers are in their files"
            self.indicator.state = "uncommitted"
            self.indicator.detail = f"{where} on disk; {reason}; the next save commits it"
        else:
            self.indicator.state = "unsaved" if self.dirty else "saved"
            self.indicator.detail = f"committed {result.commit[:8]}" if result and result.commit else ""

    def _save_over_own_flag(self, conflict: ConflictingEntry) -> None:
        """A queued save of an answer that an earlier save of this session flagged meanwhile
        (typing ahead, or restoring drafts of answers that build on each other) is no
        conflict: the user edited it after the change it builds on, which settles the review."""
        qid = conflict.question_id
        theirs: Entry = conflict.theirs  # type: ignore[assignment]
        mine: Entry = conflict.mine  # type: ignore[assignment]
        self.entries[qid] = self.expected[qid] = theirs
        self.request_save(qid, next_entry(theirs, mine.answer, mine.status, mine.notes))

    def _resolve_conflict(self, conflict: ConflictingEntry) -> None:
        qid = conflict.question_id
        theirs: Entry = conflict.theirs  # type: ignore[assignment]
        mine: Entry = conflict.mine  # type: ignore[assignment]
        self.entries[qid] = theirs
        self.expected[qid] = theirs
        self.indicator.state = "failed"
        self.indicator.detail = f"{qid} changed elsewhere: choose or merge"
        if qid == self.current and self._autosave_timer is not None:
            self._autosave_timer.stop()
        if self.conflict_on is not None:
            if not self.undecided(qid):
                self.conflicts_waiting.append(conflict)
            return
        # Until the user chooses, nothing saves this question (the draft keeps their text).
        self.conflict_on = qid
        question = self.form.question(qid)
        if qid == self.current and self.dirty:  # typed on after the save that met the conflict
            mine = next_entry(mine, self.typed_answer, None, None)

        def chosen(choice: str | None) -> None:
            nonlocal mine
            self.conflict_on = None
            if modal.typed_on:  # typed as the dialog opened: part of the user's version
                mine = next_entry(mine, modal.mine, None, None)
            if choice == "mine":
                self.request_save(qid, mine)
            elif choice == "theirs":
                self.drafts.discard(qid)  # chosen away: not to be offered back after a restart
            if choice == "merge" and qid != self.current:
                self.go_to(qid)
            if qid == self.current:
                self._show(qid)
                if choice == "merge":
                    self.merge_in_editor(mine.answer, theirs.answer, "the version saved elsewhere")
                    self.action_edit()  # merging is typing: keys go to the answer, not the list
            self.nav.refresh_labels(self.entries)
            if self.conflicts_waiting:  # found while this dialog was open
                self._resolve_conflict(self.conflicts_waiting.pop(0))

        modal = ConflictModal(question.text if question else qid, mine.answer, theirs.answer)
        self.app.push_screen(modal, chosen)

    def merge_in_editor(self, mine: str, theirs: str, label: str) -> None:
        """Put both versions in the answer box for the user to merge; nothing is saved until
        they save (Ctrl+S, or leaving the question), and their draft keeps it meanwhile."""
        if self.current is None:
            return
        self.merging = self.current
        both = f"{mine}\n\n--- {label} ---\n{theirs}"
        self.editor_text = EditorText.of(both) or self.editor_text  # mine may hold what theirs did not
        with self.editor.prevent(TextArea.Changed):
            self.editor.load_text(self.editor_text.shown(both))
        self.editor.focus()
        self._write_draft()
        self.indicator.state = "unsaved"
        self.indicator.detail = MERGING

    # ------------------------------------------------------------------ outside changes

    @on(DiskChanged)
    def _disk_changed(self, message: DiskChanged) -> None:
        if message.error is not None:
            text = str(message.error)
            self.indicator.state = "failed"
            self.indicator.detail = text
            if text not in self._shown_errors:
                self._shown_errors.add(text)
                self.notify(text, title="A project file is broken; mlreq will not overwrite it", severity="error", timeout=10)
            return
        if any(error in self.indicator.detail for error in self._shown_errors):
            # The broken file was repaired: stop saying it is broken, and commit what it held back.
            self.indicator.state = "unsaved" if self.dirty else "saved"
            self.indicator.detail = ""
            if not self.dirty:
                self.queue.retry_commit()
        self._shown_errors.clear()
        if self.form != self.project.form:
            self.form_changed("The question set changed (a sync or a change made elsewhere): the list shows the new one.")
        disk = message.entries or {}
        if self.queue.busy or message.saves_started != self.queue.started or self._saves_heard != self.queue.started:
            # Our own save may be what changed the files (running, or done but not yet
            # heard of here): never report it as a change made elsewhere; look again next tick.
            self.app.look_again()
            return
        changed = [qid for qid, entry in disk.items() if entry != self.entries.get(qid)]
        if not changed:
            return
        for qid in changed:
            theirs = disk[qid]
            self.entries[qid] = theirs
            if qid == self.current and self.dirty and self.typed_answer != theirs.answer:
                mine = next_entry(self.expected.get(qid, Entry()), self.typed_answer, None, None)
                self._resolve_conflict(ConflictingEntry(qid, mine=mine, theirs=theirs))
                continue
            self.expected[qid] = theirs
            if qid == self.current:
                self._show(qid)
        self.nav.refresh_labels(self.entries)
        self.notify(f"Reloaded changes made elsewhere: {', '.join(changed[:3])}{' …' if len(changed) > 3 else ''}")

    # ------------------------------------------------------------------ other sessions

    @on(PresenceSeen)
    def _presence_seen(self, message: PresenceSeen) -> None:
        self.editors_elsewhere = [p for p in message.others if p.editing]
        if getattr(self.app, "follow", False):  # a read-only view goes where the facilitator goes
            lead = next((p for p in self.editors_elsewhere if p.question and self.form.question(p.question)), None)
            if lead is not None and lead.question != self.current:
                self._show(lead.question)
                return  # _show showed who is there
        self._show_presence()

    def _show_presence(self) -> None:
        """Who else is editing the question on screen, and on which questions in the list."""
        editors: dict[str, list[str]] = {}
        for presence in self.editors_elsewhere:
            if presence.question:
                editors.setdefault(presence.question, []).append(visible(presence.author))
        self.nav.show_editors({qid: ", ".join(names) for qid, names in editors.items()})
        here = editors.get(self.current or "", [])
        verb = "is" if len(here) == 1 else "are"
        self.query_one(QuestionDetail).show_presence(f"✎ {', '.join(here)} {verb} on this question too" if here else "")

    # ------------------------------------------------------------------ actions

    def go_to(self, question_id: str) -> None:
        """Save the current answer and show another question."""
        if question_id == self.current:
            # Still put the list's cursor back on it: j/k may have left it on a stage's
            # heading, where Enter would fold the stage instead of editing this answer.
            self.nav.move_to(question_id)
            return
        self.save_editor()
        if question_id not in self.shown:
            self.action_clear_filters()  # the search box too: it must not show a search that is off
        self._show(question_id)

    def _step(self, offset: int) -> None:
        if not self.shown:
            return
        index = self.shown.index(self.current) if self.current in self.shown else -1
        self.go_to(self.shown[(index + offset) % len(self.shown)])

    def action_next_question(self) -> None:
        self._step(1)
        self.action_edit()

    def action_previous_question(self) -> None:
        self._step(-1)
        self.action_edit()

    def action_next_open(self, edit: bool = True) -> None:
        self.save_editor()
        order = self.shown or [q.id for q in self.form.questions]
        start = order.index(self.current) + 1 if self.current in order else 0
        for qid in order[start:] + order[:start]:
            if not self.expected.get(qid, Entry()).answered and qid != self.current:
                self.go_to(qid)
                break
        else:
            self.notify("Every question shown has an answer.")
        if edit:
            self.action_edit()

    def action_mark(self, status: str) -> None:
        if self.current is None:
            return
        self.save_editor()
        # As Project.save applies it (a status settles a review): what we expect is what lands.
        self.request_save(self.current, next_entry(self.expected.get(self.current, Entry()), None, status, None))
        self._refresh_current_heading()
        self.nav.refresh_labels(self.expected)

    def action_save_now(self) -> None:
        if self._autosave_timer is not None:
            self._autosave_timer.stop()
        self.save_everything()

    def save_everything(self) -> None:
        """Queue the editor's text, answers left behind by failed writes, and a commit of
        whatever an earlier save left uncommitted (ctrl+s, quitting)."""
        self.save_editor()
        for qid, wanted in list(self.unsaved.items()):
            self.request_save(qid, wanted)
        if not self.queue.busy and self.indicator.state in ("failed", "uncommitted"):
            self.queue.retry_commit()

    def action_browse(self) -> None:
        if self.query_one("#search", Input).has_focus:
            self.action_clear_filters()
        self.save_editor()
        self.nav.focus()

    def action_edit(self) -> None:
        """Put the keys in the answer box (every way back to an answer ends here)."""
        self.editor.focus()

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.search_text = event.value

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.nav.focus()

    def watch_search_text(self) -> None:
        self._filters_changed()

    def watch_role_filter(self) -> None:
        self._filters_changed()

    def _filters_changed(self) -> None:
        self._rebuild_nav()
        # The question on the right must be one the list shows: a question the filter
        # hides gives way to the first one shown (the list's cursor goes with it).
        if self.shown and self.current not in self.shown:
            self.go_to(self.shown[0])

    def action_pick_role(self) -> None:
        def chosen(role_id: str | None) -> None:
            if role_id is not None:
                self.role_filter = role_id or None

        self.app.push_screen(RolePicker(self.form, self.expected, self.role_filter), chosen)

    def action_clear_filters(self) -> None:
        search = self.query_one("#search", Input)
        search.value = ""
        search.display = False
        # Both at once: clearing one and then the other would pass through a state whose
        # list hides the question shown, and move away from it.
        self.set_reactive(FormScreen.search_text, "")
        self.set_reactive(FormScreen.role_filter, None)
        self._filters_changed()

    def action_progress(self) -> None:
        from .progress_screen import ProgressScreen

        def chosen(question_id: str | None) -> None:
            if question_id:
                self.go_to(question_id)
                self.action_edit()

        self.app.push_screen(ProgressScreen(self.project, self.expected), chosen)

    @on(QuestionNav.QuestionHighlighted)
    def _highlighted(self, message: QuestionNav.QuestionHighlighted) -> None:
        # Only the line the cursor is on now: an older highlight still queued would send
        # the form back, its move would queue another, and two questions would take turns
        # for ever (seen with keys in a burst).
        cursor = self.nav.cursor_node
        if cursor is None or cursor.data != message.question_id:
            return
        if message.question_id != self.current:
            self.go_to(message.question_id)

    @on(QuestionNav.QuestionChosen)
    def _chosen(self, message: QuestionNav.QuestionChosen) -> None:
        self.go_to(message.question_id)
        self.action_edit()
