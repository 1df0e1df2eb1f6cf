"""The requirements, grouped by stage and question, filtered by status, pattern, challenge
and owner role; Enter goes to a requirement's question, and `l` there comes back here."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from mlreq.projects import Project
from mlreq.projects.requirements import PATTERNS, STATUSES, Requirement, RequirementSet, challenges, ears_problems
from mlreq.projects.safetext import visible

from ..widgets.app_header import AppHeader

EARS_MARK = "⚠"
"""Before a requirement the EARS check finds fault with (`mlreq req check` says why)."""


@dataclass
class RequirementFilters:
    """What the screen shows; kept by the form screen so coming back finds it as it was."""

    status: str | None = None
    pattern: str | None = None
    challenge: str | None = None
    role: str | None = None
    highlighted: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        parts = [f"{name} {value}" for name, value in
                 (("status", self.status), ("pattern", self.pattern), ("challenge", self.challenge), ("role", self.role)) if value]
        return "filters: " + ", ".join(parts) if parts else "all requirements (retired ones: filter s)"


def _next(current: str | None, choices: list[str]) -> str | None:
    """Cycle None -> each choice -> None."""
    if not choices:
        return None
    if current not in choices:
        return choices[0]
    index = choices.index(current) + 1
    return choices[index] if index < len(choices) else None


class RequirementsScreen(Screen[str | None]):
    """Dismisses with the question id to go to, or None."""

    BINDINGS = [
        Binding("escape,q,l", "close", "Back", id="back"),
        Binding("s", "cycle('status')", "Status"),
        Binding("p", "cycle('pattern')", "Pattern"),
        Binding("c", "cycle('challenge')", "Challenge"),
        Binding("f", "cycle('role')", "Role"),
        Binding("x", "clear", "Clear"),
    ]

    def __init__(self, project: Project, requirements: RequirementSet, filters: RequirementFilters) -> None:
        super().__init__()
        self.project = project
        self.requirements = requirements
        self.filters = filters

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Vertical(id="requirements"):
            yield Static("", id="requirements-filters", markup=False)
            yield OptionList(id="requirements-list", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Requirements"
        self._fill()
        self.query_one("#requirements-list", OptionList).focus()

    def _shown(self, requirement: Requirement) -> bool:
        f = self.filters
        if f.status is None and requirement.status == "retired":
            return False
        return (
            (f.status is None or requirement.status == f.status)
            and (f.pattern is None or requirement.pattern == f.pattern)
            and (f.challenge is None or f.challenge in challenges(self.project.form, requirement))
            and (f.role is None or requirement.owner == f.role)
        )

    def _fill(self) -> None:
        form = self.project.form
        chosen = [r for r in self.requirements.items if self._shown(r)]
        order = {q.id: i for i, q in enumerate(form.questions)}
        by_question: dict[str, list[Requirement]] = {}
        for requirement in chosen:  # under its first question, in the form's order
            by_question.setdefault(requirement.sources[0], []).append(requirement)
        options: list[Option] = []
        stage_shown = None
        for qid in sorted(by_question, key=lambda q: order.get(q, len(order))):
            question = form.question(qid)
            stage = form.stage(question.stage).name if question and form.stage(question.stage) else "Not in the question set"
            if stage != stage_shown:
                options.append(Option(visible(stage), disabled=True))
                stage_shown = stage
            options.append(Option(f"  {qid}: {visible(question.text) if question else ''}", disabled=True))
            for r in by_question[qid]:
                mark = EARS_MARK if ears_problems(r) else " "
                options.append(Option(f"    {mark} {r.id} [{r.status}, {r.pattern}] {visible(' '.join(r.text.split()))}", id=r.id))
        listing = self.query_one("#requirements-list", OptionList)
        listing.clear_options()
        listing.add_options(options)
        count = f"{len(chosen)} of {len(self.requirements.items)}"
        self.query_one("#requirements-filters", Static).update(
            f"{count} · {self.filters.describe()} · s status, p pattern, c challenge, f role, x clear; "
            f"{EARS_MARK} fails the EARS check; Enter goes to the question"
        )
        ids = [o.id for o in options]
        if self.filters.highlighted in ids:
            listing.highlighted = ids.index(self.filters.highlighted)

    def action_cycle(self, which: str) -> None:
        items = self.requirements.items
        choices = {
            "status": list(STATUSES),
            "pattern": [p for p in PATTERNS if any(r.pattern == p for r in items)],
            "challenge": sorted({t for r in items for t in challenges(self.project.form, r)}),
            "role": list(dict.fromkeys(r.owner for r in items if r.owner)),
        }[which]
        setattr(self.filters, which, _next(getattr(self.filters, which), choices))
        self._fill()

    def action_clear(self) -> None:
        self.filters.status = self.filters.pattern = self.filters.challenge = self.filters.role = None
        self._fill()

    @on(OptionList.OptionHighlighted, "#requirements-list")
    def _remember(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.filters.highlighted = event.option.id

    @on(OptionList.OptionSelected, "#requirements-list")
    def _go(self, event: OptionList.OptionSelected) -> None:
        requirement = self.requirements.get(event.option.id or "")
        if requirement is not None:
            self.filters.highlighted = requirement.id
            self.dismiss(requirement.sources[0])

    def action_close(self) -> None:
        self.dismiss(None)
