"""Progress: completeness per stage and per role, what is still open, and which answers
and challenges no requirement covers yet (`r` lists those answers instead)."""

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
from mlreq.projects.reqcoverage import Coverage
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


def coverage_lines(coverage: Coverage, width: int = 36) -> str:
    """At most four lines: they fill the room the stage column leaves beside the roles."""
    if coverage.problem:
        return f"cannot be read: {visible(coverage.problem)}"[: width * 2]
    review = coverage.statuses.get("needs-review", 0)
    lines = [f"{coverage.written} in force" + (f" · {review} needs review" if review else "") if coverage.written else "none written yet"]
    if coverage.unrequired:
        lines.append(f"{len(coverage.unrequired)} answered without one (r)")
    else:
        lines.append("every answer has one")
    ids = [t.id for t in coverage.uncovered]
    if not ids:
        lines.append("every challenge covered")
    else:
        line = "uncovered:"
        for trace_id in ids:
            if len(line) + 1 + len(trace_id) > width:
                lines.append(line)
                line = "          "
            line += " " + trace_id
        lines.append(line)
    return "\n".join(lines[:4])


def _rows(items: tuple[Progress, ...]) -> str:
    return "\n".join(f"{visible(p.label)[:20]:<20} {p.answered:>2}/{p.total:<2} {p.bar(10, '█', '░')}" for p in items)


class ProgressScreen(Screen[str | None]):
    """Dismisses with the id of an open question to go to, or None."""

    BINDINGS = [
        Binding("escape,f2,q", "close", "Back", id="back"),
        Binding("r", "toggle_unrequired", "No requirement", id="unrequired",
                tooltip="List the answered questions no requirement is written from (r again: the open ones)"),
    ]

    def __init__(self, project: Project, entries: dict[str, Entry]) -> None:
        super().__init__()
        self.project = project
        # No git here: the screen opens instantly; uncommitted work shows in the indicator.
        self.status = project_status(project, entries, with_git=False)
        self.entries = entries
        self.showing_unrequired = False

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
                    if status.coverage is not None:
                        yield Static("Requirements", classes="column-title")
                        yield Static(coverage_lines(status.coverage), id="coverage", markup=False)
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
            title, options = self._listed()
            yield Static(title, classes="column-title", id="gaps-title", markup=False)
            yield OptionList(*options, id="gaps", markup=False)
            yield Static("", id="gap-reason", markup=False)
        yield Footer()

    def _listed(self) -> tuple[str, list[Option]]:
        """The list's title and rows: the open and needs-review questions, or (`r`) the
        answered ones no requirement is written from."""
        form = self.project.form
        if self.showing_unrequired and self.status.coverage is not None:
            questions = list(self.status.coverage.unrequired)
            title = (f"Answered, no requirement yet ({len(questions)}): Enter goes to one, w there writes it"
                     if questions else "Every answered question has a requirement.")
        else:
            # An unanswered question flagged needs-review is in both lists: show it once.
            questions = list({q.id: q for q in [*self.status.needs_review, *self.status.open_questions]}.values())
            title = (f"Open and needs-review questions ({len(questions)}), most urgent first: Enter goes to one"
                     if questions else "Nothing open.")
        return title, [gap_option(q, self.entries[q.id], form.stage(q.stage).name) for q in questions]

    def action_toggle_unrequired(self) -> None:
        self.showing_unrequired = not self.showing_unrequired
        title, options = self._listed()
        self.query_one("#gaps-title", Static).update(title)
        gaps = self.query_one("#gaps", OptionList)
        gaps.clear_options()
        gaps.add_options(options)
        self.query_one("#gap-reason", Static).update("")
        if options:
            gaps.highlighted = 0

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
        reason = gap_reason(question, self.entries[question.id])
        if self.showing_unrequired:
            traces = ", ".join(question.traces) or "no challenge"
            reason = Text(f"{question.id}: answered, no requirement yet (traces to {traces})", style="bold")
            reason.append(f"\n{visible(' '.join(self.entries[question.id].answer.split()))}")
        lines = reason.wrap(self.app.console, width)
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
