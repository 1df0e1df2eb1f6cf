"""Choose one role: the interviewer's view of only that role's questions."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mlreq.bank import Form
from mlreq.projects import Entry
from mlreq.projects.safetext import visible

ALL_ROLES = ""


class RolePicker(ModalScreen[str | None]):
    """Dismisses with a role id, ALL_ROLES to clear the filter, or None (cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, form: Form, entries: dict[str, Entry], current: str | None) -> None:
        super().__init__()
        self.form = form
        self.entries = entries
        self.current = current

    def compose(self) -> ComposeResult:
        options = [Option(f"All roles ({len(self.form.questions)} questions)", id="__all__")]
        for role in self.form.roles:
            questions = self.form.questions_for(role.id)
            answered = sum(self.entries.get(q.id, Entry()).answered for q in questions)
            options.append(Option(f"{visible(role.name)}  {answered}/{len(questions)} answered", id=role.id))
        with Vertical(classes="dialog", id="role-picker"):
            yield Static("Show the questions for one role", classes="dialog-title")
            yield OptionList(*options, id="roles", markup=False)

    def on_mount(self) -> None:
        roles = self.query_one(OptionList)
        if self.current:
            roles.highlighted = roles.get_option_index(self.current)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(ALL_ROLES if event.option.id == "__all__" else event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
