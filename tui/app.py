"""The mlreq terminal app: opens a project on the form screen and keeps it safe.

Safety nets: drafts of what is typed are written to disk moments after each edit and
offered back on the next start; SIGHUP (a dropped SSH session) and SIGTERM write the
draft before exiting; workers never take the app down; quitting waits for queued saves.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from mlreq.bank.errors import MlreqError
from mlreq.projects.layout import FORM_FILE
from mlreq.projects import Entry, Project, create_project
from mlreq.projects.browsers import remember_identity, remembered_identity
from mlreq.projects.demo import default_demo_path, ensure_demo
from mlreq.projects.presence import PresenceBoard
from mlreq.projects.repostate import blocking_state
from mlreq.projects.project import next_entry
from mlreq.projects.safetext import visible

from .key_order import STALL, KeySequencer
from .messages import DiskChanged, PresenceSeen
from .locations import recent_projects, remember_project
from .modals.identity_prompt import IdentityPrompt
from .modals.new_project import NewProjectDialog, NewProjectRequest
from .modals.recover_drafts import RecoverDrafts
from .screens.form_screen import FormScreen
from .screens.help_screen import HelpScreen
from .screens.welcome_screen import DEMO, NEW, WelcomeScreen

MIN_WIDTH, MIN_HEIGHT = 80, 24
POLL_INTERVAL = 0.5
"""Seconds between looks at the project's files for changes made elsewhere (and at who is
where): a save elsewhere shows here within this. A look costs about 0.6 ms (the digests of
a few small files), so it can be frequent."""
FOLLOWING = "Read-only view: it follows the question being edited and shows answers as they are saved."
QUIT_WAIT = 15.0
"""Seconds quitting waits for queued saves; unsaved text stays in drafts beyond that."""


def _form_commands():  # type: ignore[no-untyped-def]
    """The palette's provider, imported when the palette first opens, not at start-up."""
    from .commands import FormCommands

    return FormCommands


def _history_commands():  # type: ignore[no-untyped-def]
    from .commands import HistoryCommands

    return HistoryCommands


class MlreqApp(App[int]):
    CSS_PATH = "styles/app.tcss"
    TITLE = "mlreq"
    COMMANDS = App.COMMANDS | {_form_commands, _history_commands}
    BINDINGS = [
        Binding("f1", "help", "Help", id="help", tooltip="Keys and the form's front page"),
        Binding("ctrl+g", "goto_question", "Go to", id="goto", priority=True, tooltip="Find a question by words"),
        Binding("ctrl+q", "save_and_quit", "Quit", id="quit", priority=True, tooltip="Save and quit"),
    ]

    def __init__(
        self,
        project: Project | None,
        entries: dict[str, Entry] | None = None,
        *,
        poll_interval: float = POLL_INTERVAL,
        start_dir: Path | None = None,
        browser_id: str | None = None,
        follow: bool = False,
        sync_every: float | None = None,
    ) -> None:
        super().__init__()
        self.sync_every = sync_every
        """`--sync-every N`: sync with the remote every N seconds while there are changes."""
        self.browser_id = browser_id
        """Set in a browser session of `mlreq serve`: its author is asked once and remembered."""
        self.follow = follow
        """A read-only view that follows the question someone is editing (`mlreq serve --read-only`)."""
        self.presence: PresenceBoard | None = None
        self.presence_name = ""
        """Who this session is, as others see it on their screens."""
        self._others_seen: list | None = None
        self.project = project  # type: ignore[assignment]
        self.entries = entries
        self.poll_interval = poll_interval
        self.start_dir = start_dir or Path.cwd()
        self._fingerprint: tuple = ()
        self.keys = KeySequencer(self, super().on_event)

        self._quit_anyway = False
        """Set once the user was told quitting loses text that is only on screen."""

    async def on_event(self, event: events.Event) -> None:
        # Keys and pastes from the terminal go one at a time, in order (see key_order.py).
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.keys.receive(event)
        else:
            await super().on_event(event)

    @property
    def form_screen(self) -> FormScreen:
        return self.get_screen("form")  # type: ignore[return-value]

    def on_mount(self) -> None:
        self._install_signal_handlers()
        if self.is_web:
            self.set_interval(1.0, self._check_browser_link)
        self.set_interval(STALL / 2, self.keys.check_stall)
        if self.project is not None:
            self.open_project(self.project, self.entries if self.entries is not None else self.project.entries())
        else:
            self._welcome()

    def open_project(self, project: Project, entries: dict[str, Entry]) -> None:
        """Show `project` on the form screen and start watching it."""
        self.project = project
        self._fingerprint = project.disk_fingerprint()
        screen = FormScreen(project, entries)
        screen.read_only_reason = _read_only_reason(project) or (FOLLOWING if self.follow else None)
        self.presence = PresenceBoard(project.root)
        project.on_lock_wait = self._tell_lock_wait
        self.install_screen(screen, "form")
        if isinstance(self.screen, WelcomeScreen):
            self.switch_screen("form")
        else:
            self.push_screen("form")
        self.set_interval(self.poll_interval, self._watch_disk)
        if self.sync_every:
            self.set_interval(self.sync_every, screen.auto_sync)
        if self.follow:
            pass  # a view commits nothing: nobody to ask
        elif self.browser_id:
            self._browser_identity()
        else:
            self._check_identity()
        if screen.read_only_reason is None:  # read-only: drafts stay on disk for a session that can save them
            self.call_after_refresh(self._offer_drafts)
        remember_project(project.root)

    def _tell_lock_wait(self, line: str) -> None:
        """Another mlreq holds the project: say so instead of a silent "saving" (from workers)."""
        if threading.get_ident() == self._thread_id:
            self.notify(visible(line), severity="warning")
        else:
            self.call_from_thread(self.notify, visible(line), severity="warning")

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None, markup: bool = True) -> None:  # type: ignore[no-untyped-def, override]
        """On the form, the app's messages join the form's notice lines instead of covering the answer.

        Messages quote file names and texts from the project (an error about
        `answers/<ESC>]2;...toml`): every one passes through visible(), never obeyed."""
        message, title = visible(message), visible(title)
        if isinstance(self.screen, FormScreen):
            self.screen.notify(message, title=title, severity=severity, timeout=timeout, markup=markup)
        else:
            super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # -------------------------------------------------------------- no project yet

    def _welcome(self) -> None:
        self.push_screen(WelcomeScreen(recent_projects(), self.start_dir), self._welcome_choice)

    def _welcome_choice(self, choice: str | None) -> None:
        if choice == NEW:
            self.push_screen(NewProjectDialog(self.start_dir), self._create_project)
        elif choice == DEMO:
            self._prepare_project(lambda: ensure_demo(default_demo_path()))
        elif choice:
            self._prepare_project(lambda: Project.open(Path(choice)))

    def _create_project(self, request: NewProjectRequest | None) -> None:
        if request is None:
            self._welcome()
            return
        self._prepare_project(lambda: create_project(request.folder, name=request.name, form=request.form)[0])

    @work(thread=True, group="open", exit_on_error=False, description="opening the project")
    def _prepare_project(self, make: Callable[[], Project]) -> None:
        try:
            project = make()
            entries = project.entries()
        except MlreqError as exc:
            self.call_from_thread(self.notify, str(exc), title=exc.title, severity="error", timeout=10)
            self.call_from_thread(self._welcome)
            return
        self.call_from_thread(self.open_project, project, entries)

    # -------------------------------------------------------------- terminal size

    def on_resize(self) -> None:
        too_small = self.size.width < MIN_WIDTH or self.size.height < MIN_HEIGHT
        self.set_class(too_small, "-too-small")
        if too_small:
            self.notify(
                f"mlreq needs at least {MIN_WIDTH}x{MIN_HEIGHT}; this terminal is {self.size.width}x{self.size.height}",
                severity="warning",
                timeout=3,
            )

    # -------------------------------------------------------------- safety nets

    def _install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, self._on_signal, signum)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread (tests) or no signals here

    async def _on_exit_app(self) -> None:
        # Whatever ends the app (Ctrl+Q, SIGTERM, a browser that went away under `mlreq
        # serve`): what the box holds goes to its draft now, not 0.3 s later, and what is
        # queued is saved and committed before the process ends (within QUIT_WAIT), so the
        # text is in git, and the next session is not offered it as a left-behind draft.
        if self.project is not None and self.is_screen_installed("form"):
            screen = self.form_screen
            screen.write_draft_now()
            screen.save_everything()
            if screen.queue.busy:
                await asyncio.to_thread(screen.queue.wait, QUIT_WAIT)
        if self.presence is not None:
            self.presence.leave()
        await super()._on_exit_app()

    def _check_browser_link(self) -> None:
        """Under `mlreq serve`: a server that died (kill -9) leaves this app without input
        or screen. Like a dropped SSH session: the draft is written and the app ends, so its
        typing is offered on the next start instead of waiting in an orphan process."""
        reader = getattr(self._driver, "_key_thread", None)
        if reader is not None and reader.ident is not None and not reader.is_alive():
            self._on_signal(signal.SIGHUP)

    def _on_signal(self, signum: int) -> None:
        if self.project is not None:
            self.form_screen.write_draft_now()  # first: SIGKILL may follow a stop that takes long
            if signum == signal.SIGHUP:
                if self.presence is not None:
                    self.presence.leave()
                os._exit(128 + signum)  # the terminal is gone: nothing left to draw on
        self.exit(128 + signum)  # SIGTERM: `_on_exit_app` saves and commits first, as Ctrl+Q does

    def _offer_drafts(self) -> None:
        """Offer back what sessions that ended (crash, kill, hangup) typed but never saved."""
        screen = self.form_screen
        unwritten = screen.requirement_drafts.left_behind()
        if unwritten:
            self.notify(f"A requirement begun from {', '.join(unwritten)} was never written: w on the question brings it back",
                        title="Unsaved requirement kept", timeout=15)
        store = screen.drafts
        left = store.left_behind()

        def unsaved(draft) -> bool:  # type: ignore[no-untyped-def]
            entry = screen.expected.get(draft.question_id)
            return entry is not None and draft.text not in (entry.answer, visible(entry.answer))

        pending = [d for d in left if unsaved(d)]
        for draft in left:
            if draft not in pending:
                store.remove(draft)  # its text reached the answer file: nothing to offer
        if not pending:
            return

        def decided(restore: bool | None) -> None:
            if restore is None:
                return  # decide later: the drafts stay on disk
            for draft in pending:
                if restore:
                    # A save like any other: conflict-checked against what it was typed over,
                    # and flagging what builds on it because its text changes the answer (the
                    # dialog named those). Drafts equal to the answer were never offered.
                    screen.expected[draft.question_id] = draft.base
                    wanted = next_entry(screen.entries[draft.question_id], draft.text, None, None)
                    screen.request_save(draft.question_id, wanted)
                    screen.restored[draft.question_id] = draft  # removed once a commit holds its text
                    continue
                store.remove(draft)
            if restore:
                screen._show(pending[0].question_id)

        self.push_screen(RecoverDrafts(pending, _flags_of(screen.form, pending, screen.expected)), decided)

    @work(thread=True, group="identity", exit_on_error=False, description="finding your git identity")
    def _check_identity(self) -> None:
        identity = self.project.author or self.project.identity()
        self.presence_name = identity.name if identity else ""
        if identity is None:
            self.call_from_thread(self._ask_identity)

    def _ask_identity(self, for_browser: bool = False) -> None:
        def chosen(identity) -> None:  # type: ignore[no-untyped-def]
            if identity is not None:
                self.project.author = identity
                self.presence_name = identity.name
                if for_browser and not remember_identity(self.project.root, self.browser_id, identity):
                    self.notify("Could not remember your name for this browser: it is asked again next time", severity="warning")
                self.form_screen.queue.retry_commit()
            elif for_browser:
                self._check_identity()  # "later": git's identity on the server, if it has one

        self.push_screen(IdentityPrompt(for_browser=for_browser), chosen)

    def _browser_identity(self) -> None:
        """Each browser commits under its own name: the one it gave before, else asked now."""
        identity = remembered_identity(self.project.root, self.browser_id)
        if identity is None:
            self._ask_identity(for_browser=True)
            return
        self.project.author = identity
        self.presence_name = identity.name

    @work(thread=True, group="watch", exclusive=True, exit_on_error=False, description="watching for outside changes")
    def _watch_disk(self) -> None:
        self._share_presence()
        queue = self.form_screen.queue
        saves_started = None if queue.busy else queue.started
        fingerprint = self.project.disk_fingerprint()
        if fingerprint == self._fingerprint:
            return
        if not self.project.root.is_dir() or any(mark[1] is None for mark in fingerprint[:2]):
            message = DiskChanged(None, error=_gone(self.project))
        else:
            try:
                if _form_mark(fingerprint) != _form_mark(self._fingerprint):
                    self.project.reload_form()  # a sync or a tailoring elsewhere changed the questions
                message = DiskChanged(self.project.entries(), saves_started=saves_started)
            except MlreqError as exc:
                message = DiskChanged(None, error=exc)
            except OSError as exc:
                message = DiskChanged(None, error=MlreqError(f"cannot read the project: {exc.strerror or exc}"))
        # Remember even a broken state: repairing the file back to what it was is a change.
        self._fingerprint = fingerprint
        self.form_screen.post_message(message)

    def _share_presence(self) -> None:
        """Say which question this session is on; tell the form who else is where (worker thread)."""
        board, screen = self.presence, self.form_screen
        if board is None:
            return
        editing = screen.read_only_reason is None
        board.announce(self.presence_name or "someone", screen.current, editing)
        others = board.others()
        where = [(p.author, p.question, p.editing) for p in others]
        if where != self._others_seen:
            self._others_seen = where
            screen.post_message(PresenceSeen(others))

    def look_again(self) -> None:
        """Report the files on the next tick even if they do not change meanwhile."""
        self._fingerprint = ()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(f"{event.worker.description}: {event.worker.error}", severity="error", timeout=10)

    # -------------------------------------------------------------- actions

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.project.form))

    def action_goto_question(self) -> None:
        from textual.command import CommandPalette

        from .commands import QuestionCommands

        if isinstance(self.screen, FormScreen) and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(providers=[QuestionCommands], placeholder="Go to question: type words…"))

    async def action_save_and_quit(self) -> None:
        if self.project is None:
            self.exit(0)
            return
        screen = self.form_screen
        screen.write_draft_now()
        screen.save_everything()
        if screen.queue.busy:
            self.notify("Saving before quitting…")
            await asyncio.to_thread(screen.queue.wait, QUIT_WAIT)
        lost = screen.text_only_on_screen()
        if lost and not self._quit_anyway:
            # Nothing could be written (a full disk): quitting now would lose the words.
            self._quit_anyway = True
            self.notify(
                f"The text of {', '.join(lost)} is only on screen: free some disk space and press ctrl+s, "
                "or press ctrl+q again to quit and lose it",
                title="Not saved anywhere",
                severity="error",
                timeout=20,
            )
            return
        self.exit(0)


def _form_mark(fingerprint: tuple) -> object:
    """form.toml's entry in `Project.disk_fingerprint` (its digest): parse the form only when it changed."""
    return next((mark for mark in fingerprint if mark[0] == FORM_FILE), None)


def _read_only_reason(project: Project) -> str | None:
    """Why the app must open `project` read-only (mid-merge, detached HEAD, ...), or None."""
    try:
        state = blocking_state(project.repo_root)
    except MlreqError:
        return None  # git itself is the problem: the first save says so
    if state is None:
        answers = project.root / "answers"
        if not os.access(answers if answers.is_dir() else project.root, os.W_OK):
            return visible(f"Read-only: {answers} cannot be written by you. To edit, ask for write access, then reopen mlreq.")
        return None
    return visible(f"Read-only: {state.what} in {project.repo_root}. To edit again: {state.way_out}, then reopen mlreq.")


def _flags_of(form, drafts, entries: dict[str, Entry]) -> list[str]:  # type: ignore[no-untyped-def]
    """The answered questions restoring `drafts` would mark needs-review (impact.flags_for's
    rules: only a change of meaning, only direct dependents, never a first answer)."""
    from mlreq.projects.impact import AnswerChange, flags_for

    changes = [AnswerChange(d.question_id, entries.get(d.question_id, Entry()).answer, d.text) for d in drafts]
    return list(flags_for(form, changes, entries, ""))


def _gone(project: Project):  # type: ignore[no-untyped-def]
    from mlreq.projects.errors import ProjectError

    return ProjectError(f"{project.root}: the project folder or its files are gone; your text stays in the editor")


def run_browser_session(project: Project, browser_id: str, follow: bool) -> int:
    """One browser's app under `mlreq serve` (Textual's web driver, chosen by the server)."""
    entries = project.entries()
    result = MlreqApp(project, entries, browser_id=browser_id, follow=follow).run()
    return result or 0


def run_app(project: Project | None, start_dir: Path | None = None, sync_every: float | None = None) -> int:
    """Run the app on `project`, or on the welcome screen when there is none."""
    from .terminal_input import tolerate_undecodable_input

    entries = project.entries() if project else None  # a broken file stops here with file:line
    tolerate_undecodable_input()
    result = MlreqApp(project, entries, start_dir=start_dir, sync_every=sync_every).run()
    return result or 0
