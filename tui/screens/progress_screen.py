"""Progress: completeness per stage and per role, and what is still open."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mlreq.bank import Question
from mlreq.projects import Entry, Project
from mlreq.projects.safetext import visible
from mlreq.projects.status import Progress, project_status

from ..widgets.app_header import AppHeader
from ..markers import marker


def gap_option(question: Question, entry: Entry, stage_name: str) -> Option:
    """One open or needs-review question on one line: its marker, priority, stage and text."""
    prompt = Text(f"{marker(entry.status)} {question.priority:<6} {visible(stage_name)}: {visible(question.text)}", no_wrap=True, overflow="ellipsis")
    return Option(prompt, id=question.id)


def gap_reason(question: Question, entry: Entry) -> Text:
    """Why a question ranks where it does: its priority and what goes wrong while it stays
    unanswered (what `mlreq status` prints), or why it needs review."""
    reason = Text(f"{question.id}: {question.priority} priority", style="bold")
    if entry.status == "needs-review":
        why = entry.review or entry.notes  # an upstream change, else the reviewer's own note
        reason.append(f"\nneeds review: {visible(' '.join(why.split())) if why.strip() else 'no reason recorded'}")
    if not entry.answered and question.impact:
        reason.append("\nif unanswered: ", style="italic").append(visible(question.impact))
    return reason


REASON_LINES = 3, 6
"""Lines the reason of the highlighted question may take below 30 rows (80x24: the list
keeps room for two questions) and from 30 rows on."""


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
                f"Open and needs-review questions ({len(gaps)}), most urgent first: Enter goes to one" if gaps else "Nothing open.",
                classes="column-title",
            )
            form = self.project.form
            options = [gap_option(q, self.entries[q.id], form.stage(q.stage).name) for q in gaps]
            yield OptionList(*options, id="gaps", markup=False)
            yield Static("", id="gap-reason", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Progress"
        self.query_one("#gaps", OptionList).focus()

    @on(OptionList.OptionHighlighted, "#gaps")
    def _explain(self, event: OptionList.OptionHighlighted) -> None:
        question = self.project.form.question(str(event.option.id))
        if question is None:
            return
        shown = self.query_one("#gap-reason", Static)
        width = max(20, shown.size.width or self.size.width - 4)
        lines = gap_reason(question, self.entries[question.id]).wrap(self.app.console, width)
        room = REASON_LINES[self.size.height >= 30]
        if len(lines) > room:  # the whole text is on the question's own page (Enter)
            lines = lines[:room]
            lines[-1].truncate(width - 1)
            lines[-1].append("…")
        shown.update(Text("\n").join(lines))

    @on(OptionList.OptionSelected, "#gaps")
    def _go(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
