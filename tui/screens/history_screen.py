"""History: iterations and saves, and what changed between any two of them.

Choosing a save shows what it changed; choosing an iteration shows what changed since
the previous one; "Now" shows the work since the last iteration. Space marks a point
as the start, so the next choice shows the changes from the mark to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from mlreq.bank.errors import MlreqError
from mlreq.projects import Project
from mlreq.projects.history import NOW, History, LogGroup
from mlreq.projects.safetext import visible
from mlreq.projects.semdiff import ProjectDiff

from ..widgets.app_header import AppHeader
from ..widgets.diff_view import DiffView


FIRST_SCREEN = 300
"""Saves listed at first; a long history loads the rest on request (OptionList measures
every row, so 10,000 rows would take seconds)."""
MORE = "__more__"


@dataclass(frozen=True)
class Point:
    """A place in the history one can diff from or to."""

    revision: str  # a commit hash, or NOW
    label: str
    previous: str | None = None
    """For an iteration: the revision of the one before (None: the first save)."""
    is_save: bool = False


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,f3,q", "close", "Back", id="back"),
        Binding("space", "mark", "Mark start", id="mark_start", tooltip="Compare from this point to the next one you choose"),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        self.history = History(project)
        self.points: dict[str, Point] = {}
        self.mark: Point | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal():
            yield OptionList(id="history-points", markup=False)
            yield DiffView(id="diff")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "History"
        points = self.query_one("#history-points", OptionList)
        points.loading = True
        points.focus()
        self._load(FIRST_SCREEN)

    @work(thread=True, exclusive=True, group="history", exit_on_error=False, description="reading the history")
    def _load(self, limit: int | None) -> None:
        try:
            groups = self.history.grouped_log(limit=limit)
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            groups = []
        complete = limit is None or sum(len(g.entries) for g in groups) < limit
        latest = self.history.current_iteration()
        self.app.call_from_thread(self._show_points, groups, complete, latest.name if latest else None)

    def _show_points(self, groups: list[LogGroup], complete: bool, last: str | None) -> None:
        self.points.clear()
        options: list[Option | None] = []
        iterations = [g.iteration for g in groups if g.iteration is not None]
        previous_of = {it.commit: (iterations[i + 1].commit if i + 1 < len(iterations) else None) for i, it in enumerate(iterations)}
        self._add(options, Point(NOW, "Now: work since " + (repr(last) if last else "the start"), previous=last))
        for group in groups:
            if group.iteration is not None:
                it = group.iteration
                label = f"◆ {visible(it.name)}  {it.date[:10]}  ({len(group.entries)} saves)"
                self._add(options, Point(it.commit, label, previous=previous_of.get(it.commit)))
            for entry in group.entries:
                label = f"  {entry.date[5:16].replace('T', ' ')} {visible(entry.author)[:14]:<14} {visible(entry.subject)}"
                self._add(options, Point(entry.commit, label, is_save=True))
        if not complete:
            options.append(Option(f"… older saves (only the newest {FIRST_SCREEN} are shown): Enter loads all", id=MORE))
        points = self.query_one("#history-points", OptionList)
        points.clear_options()
        points.add_options([o for o in options if o is not None])
        points.loading = False
        total = sum(len(g.entries) for g in groups)
        shown = f"{total} saves" if complete else f"the newest {total} saves"
        self.sub_title = f"History: {len(iterations)} iterations, {shown}"
        if options:
            points.highlighted = 0
            self._diff(self.points[NOW], None)

    def _add(self, options: list[Option | None], point: Point) -> None:
        key = f"{point.revision}:{len(self.points)}"
        self.points[key] = point
        self.points.setdefault(point.revision, point)
        options.append(Option(Text(point.label, no_wrap=True, overflow="ellipsis"), id=key))

    @on(OptionList.OptionSelected, "#history-points")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == MORE:
            event.option_list.loading = True
            self._load(None)
            return
        point = self.points[str(event.option.id)]
        self._diff(point, self.mark)
        self.mark = None

    def action_mark(self) -> None:
        points = self.query_one("#history-points", OptionList)
        if points.highlighted is None:
            return
        option = points.get_option_at_index(points.highlighted)
        if option.id == MORE:
            return
        self.mark = self.points[str(option.id)]
        self.notify(f"Start: {self.mark.label.strip()}. Choose the end point.")

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False, description="comparing")
    def _diff(self, point: Point, start: Point | None) -> None:
        try:
            if start is not None:
                diff = self.history.diff(start.revision, point.revision)
                title = f"From {start.label.strip()} to {point.label.strip()}"
            elif point.is_save:
                diff = self.history.diff_of_commit(point.revision)
                title = f"What {point.revision[:10]} changed"
            elif point.revision == NOW:
                diff = self.history.diff(point.previous, NOW)
                title = point.label
            else:
                diff = self.history.diff(point.previous or self.history.start_revision(), point.revision)
                title = f"Up to {point.label.strip()}"
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show_diff, diff, title)

    def _show_diff(self, diff: ProjectDiff, title: str) -> None:
        self.query_one(DiffView).show(diff, visible(title))

    def action_close(self) -> None:
        self.dismiss(None)
