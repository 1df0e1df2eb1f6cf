"""Help: the form's own front page (thesis figure A.5, section 4.1.1) and every key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from mlreq.bank import Form
from mlreq.projects.safetext import visible

from ..widgets.app_header import AppHeader

KEYS = """\
While typing an answer
  ctrl+n / ctrl+r     next / previous question (saves first; also ctrl+down / ctrl+up)
  ctrl+o              next question without an answer
  ctrl+t              mark the answer agreed
  ctrl+s              save and commit now (it also saves 2 s after you stop typing)
  ctrl+f              show one role's questions (the interviewer's view)
  ctrl+g              go to a question by words
  f4                  edit the answer in $EDITOR (for very long answers)
  f9                  review every flagged answer: why, word by word; c confirms, e edits
  f6                  mark this edit minor: saving it flags nothing (the commit says so)
  f8                  mark agreed, choosing which roles agreed (space toggles, enter)
  escape              leave the answer box for the question list
  home / end          start / end of the line
  ctrl+home / ctrl+end  start / end of the whole answer
  ctrl+a or f7        select the whole answer (shift+arrows: a part)
  ctrl+x / c / v      cut / copy / paste the selection
  pageup / pagedown   a screen up / down (the box follows the cursor)

In the question list (its keys show at the bottom while it has the focus,
and the answer box's title says "e or Enter to type here")
  up/down, j/k        move (the answer shows on the right)
  enter, e, i         type the answer (so do ctrl+n, ctrl+r, ctrl+o)
  a d r o             mark agreed, draft, needs review, open
  u                   next question without an answer
  t                   timeline of this answer (every version; r restores one)
  v                   after a sync changed this answer on both sides: choose or merge
  f / x               role filter / clear filters and search
  /                   search questions and answers

Anywhere
  f1 help · f2 progress (most urgent first, and why) · f3 history
  f5 name this state as an iteration, e.g. "Kick-off workshop"
  ctrl+p every command, e.g. "history: name this state as an iteration" · ctrl+q save and quit

In the history (f3; the diff follows the highlight)
  f / t               compare from / up to the highlighted point (x clears them)
  enter               the diff on the whole screen (enter or escape: back)
  n / e / delete      new iteration / rename / delete the highlighted iteration

Markers: ○ open  ◐ draft  ● agreed  ! needs review
Every save is one git commit; `git log` shows who changed what, and when."""


def front_page_text(form: Form) -> str:
    page = form.front_page
    if page is None:
        return f"{visible(form.title)}\n\nThis question set has no front page."
    parts = [page.title, "", "Form utilization and purpose", page.purpose]
    if page.stages:
        cycle = " → ".join(page.stage_cycle) + (" → " + page.stage_cycle[0] if page.stage_cycle else "")
        parts += ["", "The MLOps stages", page.stages, "", f"  {cycle}"]
    if page.practice:
        parts += ["", "How to use it in practice", page.practice]
    if page.columns:
        parts += ["", "Column descriptions"] + [f"  {c.name}: {c.description}" for c in page.columns]
    parts += ["", f"Source: Bastajic and Boman Karinen, \"Requirements Grounded MLOps\" (2023); {form.source}."]
    return "\n".join(parts)


class HelpScreen(Screen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Back", id="back")]

    def __init__(self, form: Form) -> None:
        super().__init__()
        self.form = form

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with VerticalScroll(id="help"):
            yield Static("Keys", classes="column-title")
            yield Static(KEYS, markup=False, id="help-keys")
            yield Static("About the form", classes="column-title")
            yield Static(front_page_text(self.form), markup=False, id="help-front-page")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Help"
        self.query_one("#help").focus()

    def action_close(self) -> None:
        self.dismiss(None)
