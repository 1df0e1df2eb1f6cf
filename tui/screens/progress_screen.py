"""Progress: completeness per stage and per role, and what is still open."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mlreq.projects import Entry, Project
from mlreq.projects.safetext import visible
from mlreq.projects.status import Progress, project_status

from ..widgets.app_header import AppHeader
from ..markers import marker


def _rows(items: tuple[Progress, ...]) -> str:
    return "\n".join(f"{visible(p.label)[:20]:<20} {p.answered:>2}/{p.total:<2} {p.bar(10, '█', '░')}" for p in items)


class ProgressScreen(Screen[str | None]):
    """Dismisses with the id of an open question to go to, or None."""

    BINDINGS = [
        Binding("escape,f2,q", "close", "Back", id="back"),
    ]

    def __init__(self, project: Project, entries: dict[str, Entry]) -> None:
        super().__init__()
        self.project = project
        # No git here: the screen opens instantly; uncommitted work shows in the indicator.
        self.status = project_status(project, entries, with_git=False)
        self.entries = entries

    def compose(self) -> ComposeResult:
        status = self.status
        yield AppHeader()
        with Vertical(id="progress"):
            counts = " · ".join(f"{marker(s)} {n} {s}" for s, n in status.status_counts.items())
            yield Static(
                f"{status.overall.answered} of {status.overall.total} answered   {counts}",
                id="progress-summary",
                markup=False,
            )
            with Horizontal(id="progress-tables"):
                with Vertical():
                    yield Static("By stage", classes="column-title")
                    yield Static(_rows(status.stages), markup=False)
                with Vertical():
                    yield Static("By role", classes="column-title")
                    yield Static(_rows(status.roles), markup=False)
                if status.sign_offs:  # only once an answer records who agreed
                    with Vertical():
                        yield Static("Signed off", classes="column-title")
                        yield Static(
                            "\n".join(f"{signed:>2}/{agreed:<2} agreed" for _, signed, agreed in status.sign_offs),
                            markup=False,
                        )
            # An unanswered question flagged needs-review is in both lists: show it once.
            gaps = list({q.id: q for q in [*status.needs_review, *status.open_questions]}.values())
            yield Static(
                f"Open and needs-review questions ({len(gaps)}): Enter goes to one" if gaps else "Nothing open.",
                classes="column-title",
            )
            form = self.project.form
            options = [
                Option(f"{marker(self.entries[q.id].status)} {visible(form.stage(q.stage).name)}: {visible(q.text)}", id=q.id)
                for q in gaps
            ]
            yield OptionList(*options, id="gaps", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Progress"
        self.query_one("#gaps", OptionList).focus()

    @on(OptionList.OptionSelected, "#gaps")
    def _go(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
