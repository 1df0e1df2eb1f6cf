"""Review in one pass: every flagged answer with the change that flagged it.

c confirms the highlighted answer unchanged (a commit; it gets back the status it had
before it was flagged), Enter or e opens it in the form to edit.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mlreq.bank.errors import MlreqError
from mlreq.projects import Project
from mlreq.projects.review import FlaggedAnswer, confirm, flagged_answers, short_diff
from mlreq.projects.safetext import visible

from ..widgets.app_header import AppHeader

DELETED, INSERTED = "strike red", "bold underline green"


class ReviewScreen(Screen[str | None]):
    """Dismisses with the id of an answer to edit, or None."""

    BINDINGS = [
        Binding("escape,q,f9", "close", "Back", id="back"),
        Binding("c", "confirm", "Still holds", id="confirm", tooltip="Confirm the answer unchanged (one commit)"),
        Binding("e", "edit", "Edit", id="edit", tooltip="Open the answer in the form to edit it"),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.items: list[FlaggedAnswer] = []

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal():
            yield OptionList(id="review-list", markup=False)
            with VerticalScroll(id="review-view"):
                yield Static("", id="review-reason", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "Review"
        listing = self.query_one(OptionList)
        listing.loading = True
        listing.focus()
        self._load()

    @work(thread=True, exclusive=True, group="review", exit_on_error=False, description="reading the flags")
    def _load(self) -> None:
        try:
            items = flagged_answers(self.project)
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            items = []
        self.app.call_from_thread(self._show_items, items)

    def _show_items(self, items: list[FlaggedAnswer]) -> None:
        self.items = items
        listing = self.query_one(OptionList)
        listing.loading = False
        listing.clear_options()
        listing.add_options(Option(Text(f"{item.question_id}", no_wrap=True), id=item.question_id) for item in items)
        self.sub_title = f"Review: {len(items)} flagged" if items else "Review"
        if items:
            listing.highlighted = 0
        else:
            self.query_one("#review-reason", Static).update("No answer needs review.")

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        item = next((i for i in self.items if i.question_id == event.option.id), None)
        if item is not None:
            self.query_one("#review-reason", Static).update(reason_text(item))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def _highlighted_item(self) -> FlaggedAnswer | None:
        listing = self.query_one(OptionList)
        if listing.highlighted is None or not self.items:
            return None
        return self.items[listing.highlighted]

    def action_confirm(self) -> None:
        item = self._highlighted_item()
        if item is not None:
            self._confirm(item.question_id)

    @work(thread=True, group="review-confirm", exit_on_error=False, description="confirming")
    def _confirm(self, question_id: str) -> None:
        try:
            outcome = confirm(self.project, [question_id])
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        result = outcome.result
        if result is not None and result.commit_error is not None:
            self.app.call_from_thread(self.notify, str(result.commit_error), severity="warning")
        elif outcome.confirmed:
            status = outcome.confirmed[0][1]
            self.app.call_from_thread(self.notify, f"{question_id} still holds: {status} again")
        self.app.call_from_thread(self._load)  # workers are started from the app's thread

    def action_edit(self) -> None:
        item = self._highlighted_item()
        if item is not None:
            self.dismiss(item.question_id)

    def action_close(self) -> None:
        self.dismiss(None)


def reason_text(item: FlaggedAnswer) -> Text:
    """The question, why it is flagged (who changed what, word by word) and its answer."""
    text = Text(f"{item.question_id}: {visible(item.text)}\n\n", style="bold")
    for reason in item.reasons:
        if not reason.question_id:
            text.append(f"{visible(reason.text)}\n\n")
            continue
        what = "the question was reworded" if reason.reworded else f"{reason.question_id} changed"
        text.append(f"{what}, by {visible(reason.author)} on {reason.date}:\n", style="italic")
        if reason.before is None:
            text.append("(the earlier version is not in this history)\n\n")
            continue
        for op in short_diff(reason.words()):
            style = DELETED if op.op == "delete" else INSERTED if op.op == "insert" else ""
            text.append(visible(op.text), style=style)
        text.append("\n\n")
    text.append("The answer:\n", style="italic")
    text.append(visible(item.entry.answer) or "(empty)")
    text.append(f"\n\nc: still holds (back to {item.restores}) · e or Enter: edit it", style="dim")
    return text
