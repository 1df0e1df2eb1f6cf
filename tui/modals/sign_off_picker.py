"""Mark an answer agreed, choosing which roles agreed (the question's roles preselected)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static

from mlreq.bank import Form, Question
from mlreq.projects import Entry
from mlreq.projects.safetext import visible


class SignOffPicker(ModalScreen[tuple[str, ...] | None]):
    """Dismisses with the role ids that agreed (space toggles, Enter accepts), or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "accept", "Agreed", priority=True),
    ]

    def __init__(self, form: Form, question: Question, entry: Entry) -> None:
        super().__init__()
        self.form = form
        self.question = question
        self.chosen = set(entry.agreed_by or question.roles)

    def compose(self) -> ComposeResult:
        asked = set(self.question.roles)
        roles = sorted(self.form.roles, key=lambda r: r.id not in asked)  # the question's roles first
        items = [
            (visible(r.name) + ("" if r.id in asked else "  (not asked)"), r.id, r.id in self.chosen) for r in roles
        ]
        with Vertical(classes="dialog", id="sign-off-picker"):
            yield Static(f"Who agreed {self.question.id}? Space toggles, Enter marks it agreed", classes="dialog-title")
            yield SelectionList[str](*items, id="sign-offs")

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_accept(self) -> None:
        selected = set(self.query_one(SelectionList).selected)
        self.dismiss(tuple(r.id for r in self.form.roles if r.id in selected))

    def action_cancel(self) -> None:
        self.dismiss(None)
