"""The timeline of one answer: every version with author and time; restore any of them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mlreq.bank import Question
from mlreq.bank.errors import MlreqError
from mlreq.projects import Entry, Project
from mlreq.projects.commitmessage import Restoration
from mlreq.projects.history import History, Version
from mlreq.projects.safetext import visible
from mlreq.projects.semdiff import word_diff

from ..widgets.app_header import AppHeader
from ..markers import marker
from ..modals.choice_modal import ChoiceModal
from ..widgets.diff_view import word_text


FIRST_WINDOW = 200
"""Saves of the stage file read for the first screen of a timeline."""


@dataclass(frozen=True)
class RestoreChoice:
    """The version the user confirmed to bring back, and where it comes from."""

    entry: Entry
    source: Restoration


class TimelineScreen(Screen[RestoreChoice | None]):
    """Dismisses with the version to restore (as a new save), or None."""

    BINDINGS = [
        Binding("escape,q", "close", "Back", id="back"),
        Binding("r", "restore", "Restore this version", id="restore", tooltip="Bring this wording back as a new save"),
    ]

    def __init__(self, project: Project, question: Question) -> None:
        super().__init__()
        self.project = project
        self.question = question
        self.versions: list[Version] = []

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal():
            yield OptionList(id="timeline-versions", markup=False)
            with VerticalScroll(id="version-view"):
                yield Static(visible(self.question.text), id="timeline-question", markup=False)
                yield Static("", id="version-text", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = f"Timeline: {self.question.id}"
        versions = self.query_one(OptionList)
        versions.loading = True
        versions.focus()
        self._load()

    @work(thread=True, exclusive=True, group="timeline", exit_on_error=False, description="reading the timeline")
    def _load(self) -> None:
        # The newest saves first, for a quick first screen; then the whole history.
        history = History(self.project)
        shown = None
        for window in (FIRST_WINDOW, None):
            try:
                versions = history.timeline(self.question.id, window=window)
            except MlreqError as exc:
                self.app.call_from_thread(self.notify, str(exc), severity="error")
                versions = []
            if versions != shown:
                self.app.call_from_thread(self._show_versions, versions)
                shown = versions

    def _show_versions(self, versions: list[Version]) -> None:
        self.versions = versions
        options = self.query_one(OptionList)
        options.loading = False
        options.clear_options()
        options.add_options(
            Option(Text(f"#{n} {v.date[:16].replace('T', ' ')} {marker(v.entry.status)} {visible(v.author)}", no_wrap=True), id=str(n - 1))
            for n, v in enumerate(versions, start=1)
        )
        self.sub_title = f"Timeline: {self.question.id} ({len(versions)} versions)"
        if versions:
            options.highlighted = len(versions) - 1
        else:
            self.query_one("#version-text", Static).update("No saved versions yet.")

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        index = int(event.option.id or 0)
        version = self.versions[index]
        previous = self.versions[index - 1].entry.answer if index else ""
        text = Text(f"{version.commit[:10]} · {version.entry.status} · {visible(version.author)}\n\n", style="italic")
        text.append(word_text(word_diff(previous, version.entry.answer), "both") if index else Text(visible(version.entry.answer)))
        if version.entry.notes:
            text.append(f"\n\nNotes: {visible(version.entry.notes)}")
        self.query_one("#version-text", Static).update(text)

    def action_restore(self) -> None:
        """Ask first: restoring replaces the text in the answer box (Escape keeps it)."""
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.versions:
            return
        index = options.highlighted
        version = self.versions[index]
        following = self.versions[index + 1].commit if index + 1 < len(self.versions) else None
        try:
            source = History(self.project).restoration(version.commit, following)
        except MlreqError:  # the description is a courtesy: restore without the iteration's name
            source = Restoration(version.commit, version.date)

        def decided(choice: str | None) -> None:
            if choice == "restore":
                self.dismiss(RestoreChoice(version.entry, source))

        title = (
            f"Replace the answer to {self.question.id} with version #{index + 1} ({visible(source.long)}, "
            f"{visible(version.author)})?\nThe text in the answer box is replaced; the current wording stays in the history."
        )
        choices = [("Restore this version as a new save", "restore"), ("Cancel: keep the current answer (Escape)", "keep")]
        self.app.push_screen(ChoiceModal(title, choices), decided)

    def action_close(self) -> None:
        self.dismiss(None)
