"""History: iterations and saves, and what changed between any two of them.

The preview follows the highlight: a save shows what it changed; an iteration what changed
since the previous one; "Now" the work since the last iteration. `f` and `t` pin the
highlighted point as the start ("from") or the end ("to") of a comparison, the highlight
supplying the other end; `x` clears them. Enter shows the diff on the whole screen. On a
narrow terminal the list sits above the diff, on a wide one beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from mlreq.bank.errors import MlreqError
from mlreq.projects import Project
from mlreq.projects.history import NOW, History, Iteration, LogGroup
from mlreq.projects.reqhistory import RequirementsDiff, requirements_diff_of
from mlreq.projects.safetext import visible
from mlreq.projects.semdiff import ProjectDiff

from ..widgets.app_header import AppHeader
from ..widgets.diff_view import DiffView


FIRST_SCREEN = 300
"""Saves listed at first; a long history loads the rest on request (OptionList measures
every row, so 10,000 rows would take seconds)."""
MORE = "__more__"
PREVIEW_DELAY = 0.08
"""Seconds the highlight rests before its diff is computed: holding an arrow key down
through a long list starts no git process per row passed."""
SIDE_BY_SIDE = 120
"""Terminal columns from which the list stands beside the diff instead of above it."""


@dataclass(frozen=True)
class Point:
    """A place in the history one can diff from or to."""

    revision: str  # a commit hash, or NOW
    label: str
    previous: str | None = None
    """For an iteration: the revision of the one before (None: the first save)."""
    is_save: bool = False
    iteration: Iteration | None = None
    short: str = ""
    """How a diff's title names the point: "◆ Kick-off (2026-03-03)", "save 1a2b3c4d5e (…)", "now"."""


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,f3,q", "close", "Back", id="back"),
        Binding("enter", "zoom", "Full view", id="zoom", priority=True, tooltip="The diff on the whole screen (Enter again: back)"),
        Binding("f", "pick('from')", "From", id="pick_from", tooltip="Compare from the highlighted point"),
        Binding("t", "pick('to')", "To", id="pick_to", tooltip="Compare up to the highlighted point"),
        Binding("x", "clear_picks", "Clear", id="clear_picks", tooltip="Forget the from/to points"),
        # Iteration keys: named under the list (the footer has no room at 80 columns).
        Binding("n", "new_iteration", "Iteration", id="new_iteration", show=False, tooltip="Name the current state as an iteration"),
        Binding("e", "rename_iteration", "Rename", id="rename_iteration", show=False, tooltip="Rename the highlighted iteration"),
        Binding("delete", "delete_iteration", "Delete", id="delete_iteration", show=False, tooltip="Delete the highlighted iteration (its saves stay)"),
    ]

    def __init__(self, project: Project, wait_for_saves: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.project = project
        self.history = History(project)
        self.wait_for_saves = wait_for_saves
        """Called (in a worker) before an iteration is made: it must include queued saves."""
        self.points: dict[str, Point] = {}
        self.picks: dict[str, Point] = {}
        """The pinned ends of a comparison: "from" and/or "to"."""
        self.zoomed = False
        self._preview_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Container(id="history-body"):
            yield OptionList(id="history-points", markup=False)
            yield DiffView(id="diff")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "History"
        points = self.query_one("#history-points", OptionList)
        points.loading = True
        points.focus()
        self._arrange(self.app.size.width)
        self._load(FIRST_SCREEN)

    def on_resize(self, event: events.Resize) -> None:
        self._arrange(event.size.width)

    def _arrange(self, width: int) -> None:
        self.query_one("#history-body").set_class(width < SIDE_BY_SIDE, "stacked")

    # ------------------------------------------------------------------ the list

    @work(thread=True, exclusive=True, group="history", exit_on_error=False, description="reading the history")
    def _load(self, limit: int | None) -> None:
        try:
            self.history = History(self.project)  # iterations re-read after a rename or delete
            groups = self.history.grouped_log(limit=limit)
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            groups = []
        complete = limit is None or sum(len(g.entries) for g in groups) < limit
        latest = self.history.current_iteration()
        self.app.call_from_thread(self._show_points, groups, complete, latest.name if latest else None)

    def _show_points(self, groups: list[LogGroup], complete: bool, last: str | None) -> None:
        self.points.clear()
        options: list[Option] = []
        iterations = [g.iteration for g in groups if g.iteration is not None]
        previous_of = {it.commit: (iterations[i + 1].commit if i + 1 < len(iterations) else None) for i, it in enumerate(iterations)}
        self._add(options, Point(NOW, "Now: work since " + (repr(last) if last else "the start"), previous=last, short="now"))
        for group in groups:
            if group.iteration is not None:
                it = group.iteration
                label = f"◆ {visible(it.name)}  {it.date[:10]}  ({len(group.entries)} saves)"
                short = f"◆ {visible(it.name)} ({it.date[:10]})"
                self._add(options, Point(it.commit, label, previous=previous_of.get(it.commit), iteration=it, short=short))
            for entry in group.entries:
                label = f"  {entry.date[5:16].replace('T', ' ')} {visible(entry.author)[:14]:<14} {visible(entry.subject)}"
                short = f"save {entry.commit[:10]} ({entry.date[:16].replace('T', ' ')}, {visible(entry.author)})"
                self._add(options, Point(entry.commit, label, is_save=True, short=short))
        if not complete:
            options.append(Option(f"… older saves (only the newest {FIRST_SCREEN} are shown): Enter loads all", id=MORE))
        points = self.query_one("#history-points", OptionList)
        points.clear_options()
        points.add_options(options)
        points.loading = False
        total = sum(len(g.entries) for g in groups)
        shown = f"{total} saves" if complete else f"the newest {total} saves"
        self.sub_title = f"History: {len(iterations)} iterations, {shown}"
        if options:
            points.highlighted = 0  # the preview follows (OptionHighlighted)

    def _add(self, options: list[Option], point: Point) -> None:
        key = f"{point.revision}:{len(self.points)}"
        self.points[key] = point
        options.append(Option(Text(point.label, no_wrap=True, overflow="ellipsis"), id=key))

    def highlighted_point(self) -> Point | None:
        points = self.query_one("#history-points", OptionList)
        if points.highlighted is None or points.option_count == 0:
            return None
        return self.points.get(str(points.get_option_at_index(points.highlighted).id))

    @on(OptionList.OptionHighlighted, "#history-points")
    def _moved(self) -> None:
        self.refresh_bindings()
        point = self.highlighted_point()
        on_iteration = point is not None and point.iteration is not None
        self.query_one("#history-points", OptionList).border_subtitle = (
            "e rename · del delete this iteration · n new one" if on_iteration else "n name this state as an iteration"
        )
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(PREVIEW_DELAY, self._preview)

    # ------------------------------------------------------------------ from / to

    def action_pick(self, end: str) -> None:
        point = self.highlighted_point()
        if point is None:
            return
        self.picks[end] = point
        self.refresh_bindings()
        self._preview()

    def action_clear_picks(self) -> None:
        self.picks.clear()
        self.refresh_bindings()
        self._preview()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_picks":
            return bool(self.picks)
        if action in ("rename_iteration", "delete_iteration"):
            point = self.highlighted_point() if self.is_mounted else None
            return not self.zoomed and point is not None and point.iteration is not None
        if action in ("pick", "new_iteration"):
            return not self.zoomed
        return True

    def _preview(self) -> None:
        point = self.highlighted_point()
        start, end = self.picks.get("from"), self.picks.get("to")
        if start is not None and end is not None:
            self._diff(end, start)
        elif start is not None and point is not None:
            self._diff(point, start)
        elif end is not None and point is not None:
            self._diff(end, point)
        elif point is not None:
            self._diff(point, None)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False, description="comparing")
    def _diff(self, point: Point, start: Point | None) -> None:
        try:
            if start is not None:
                diff = self.history.diff(start.revision, point.revision)
                title = f"From {start.short} to {point.short}"
            elif point.is_save:
                diff = self.history.diff_of_commit(point.revision)
                title = f"What {point.short} changed"
            elif point.revision == NOW:
                diff = self.history.diff(point.previous, NOW)
                title = point.label
            else:
                diff = self.history.diff(point.previous or self.history.start_revision(), point.revision)
                title = f"Up to {point.short}"
            requirements = requirements_diff_of(self.project, diff)
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        if self.picks:
            title += " (x clears from/to)"
        if not get_current_worker().is_cancelled:  # the highlight moved on meanwhile
            self.app.call_from_thread(self._show_diff, diff, title, requirements)

    def _show_diff(self, diff: ProjectDiff, title: str, requirements: RequirementsDiff | None = None) -> None:
        self.query_one(DiffView).show(diff, visible(title), requirements)

    # ------------------------------------------------------------------ full screen

    def action_zoom(self) -> None:
        points = self.query_one("#history-points", OptionList)
        if not self.zoomed and points.highlighted is not None and points.option_count:
            if points.get_option_at_index(points.highlighted).id == MORE:
                points.loading = True
                self._load(None)
                return
        self.zoomed = not self.zoomed
        self.query_one("#history-body").set_class(self.zoomed, "zoomed")
        (self.query_one(DiffView) if self.zoomed else points).focus()
        self.refresh_bindings()

    def action_close(self) -> None:
        if self.zoomed:
            self.action_zoom()
            return
        self.dismiss(None)

    # ------------------------------------------------------------------ iterations

    def action_new_iteration(self) -> None:
        from ..modals.iteration_prompt import IterationPrompt

        current = self.history.current_iteration()

        def named(result: tuple[str, str] | None) -> None:
            if result is not None:
                self._change_iterations("create", *result)

        self.app.push_screen(IterationPrompt(current.name if current else None), named)

    def action_rename_iteration(self) -> None:
        from ..modals.fields_prompt import Field, FieldsPrompt

        point = self.highlighted_point()
        if point is None or point.iteration is None:
            return
        old = point.iteration.name

        def renamed(values: dict[str, str] | None) -> None:
            if values and values["name"].strip() != old:
                self._change_iterations("rename", old, values["name"])

        field = Field("name", "the iteration's new name", value=old, required="Give the iteration a name.")
        self.app.push_screen(FieldsPrompt(f"Rename iteration {visible(old)!r} (same saves, note and date)", [field], "Rename"), renamed)

    def action_delete_iteration(self) -> None:
        from ..modals.choice_modal import ChoiceModal

        point = self.highlighted_point()
        if point is None or point.iteration is None:
            return
        name = point.iteration.name

        def chosen(choice: str | None) -> None:
            if choice == "delete":
                self._change_iterations("delete", name)

        title = f"Delete iteration {visible(name)!r}?\nIts tag is removed; every save, and the commit it marked, stay in the history."
        options = [(f"Delete iteration {visible(name)!r}", "delete"), ("Keep it (Escape)", "keep")]
        self.app.push_screen(ChoiceModal(title, options), chosen)

    @work(thread=True, group="git", exit_on_error=False, description="changing iterations")
    def _change_iterations(self, operation: str, *arguments: str) -> None:
        from ..cli_history import remote_tag_note

        history = History(self.project)
        try:
            if operation == "create":
                if self.wait_for_saves is not None:
                    self.wait_for_saves()  # the milestone must include every queued save
                made = history.create_iteration(*arguments)
                done = f"Iteration {made.name!r} marks this state ({made.tag})."
            elif operation == "rename":
                old = history.find_iteration(arguments[0])
                made = history.rename_iteration(*arguments)
                done = f"Iteration {old.name!r} is now {made.name!r} ({made.tag})."
                if old.tag != made.tag:
                    done += " " + remote_tag_note(self.project, old.tag, "the old name").strip()
            else:
                gone = history.delete_iteration(*arguments)
                done = f"Iteration {gone.name!r} deleted: its tag is removed; its commit and every save are kept. "
                done += remote_tag_note(self.project, gone.tag, "it").strip()
        except MlreqError as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Iterations unchanged", severity="error", timeout=10)
            return
        self.picks.clear()
        self.app.call_from_thread(self.notify, visible(done.strip()), timeout=8)
        self.app.call_from_thread(self._load, FIRST_SCREEN)
