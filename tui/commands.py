"""Command palette providers: every action of the form, and "go to question" by words."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from mlreq.projects.safetext import visible


def _history_screen(provider: Provider):  # type: ignore[no-untyped-def]
    from .screens.history_screen import HistoryScreen

    screen = provider.screen
    return screen if isinstance(screen, HistoryScreen) else None


def _form_screen(provider: Provider):  # type: ignore[no-untyped-def]
    from .screens.form_screen import FormScreen

    screen = provider.screen
    return screen if isinstance(screen, FormScreen) else None


class _ListedCommands(Provider):
    """A provider over a list of (title, callback, help) built when the palette opens."""

    match_words = False
    """Also offer items whose title and help contain every typed word (not just fuzzy)."""

    def _items(self) -> list[tuple[str, Callable[[], object], str]]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for name, callback, help_text in self._items():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        words = query.casefold().split()
        for name, callback, help_text in self._items():
            score = matcher.match(name)
            if score <= 0 and self.match_words and words and all(w in f"{name} {help_text}".casefold() for w in words):
                score = 0.5  # every word appears, though not as a fuzzy match of the title
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


class FormCommands(_ListedCommands):
    """Category-prefixed commands that apply on the form screen."""

    def _items(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = _form_screen(self)
        if screen is None:
            return []
        form = screen.form
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("go: next question", screen.action_next_question, "ctrl+n"),
            ("go: previous question", screen.action_previous_question, "ctrl+r"),
            ("go: next open question", screen.action_next_open, "the next question without an answer (ctrl+o)"),
            ("status: mark agreed", partial(screen.action_mark, "agreed"), "ctrl+t, or a in the list"),
            ("status: mark draft", partial(screen.action_mark, "draft"), "d in the list"),
            ("status: mark needs review", partial(screen.action_mark, "needs-review"), "r in the list"),
            ("status: reopen", partial(screen.action_mark, "open"), "o in the list"),
            ("save: save and commit now", screen.action_save_now, "ctrl+s"),
            ("view: progress", screen.action_progress, "completeness per stage and role (f2)"),
            ("view: help and the form's front page", self.app.action_help, "f1"),
            ("history: iterations, saves and diffs", screen.action_history, "f3"),
            ("history: timeline of this answer", screen.action_timeline, "every version, restore one (t in the list)"),
            ("history: name this state as an iteration", screen.action_new_iteration, "e.g. Kick-off workshop (f5)"),
            ("edit: this answer in $EDITOR", screen.action_external_editor, "f4"),
            ("sync: fetch, merge by question, push", screen.action_sync, "share through the project's git remote"),
            ("export: HTML, spreadsheet, Markdown, CSV, JSON or ReqIF", screen.action_export, "the role filter in use applies"),
            ("form: switch on an optional question", screen.action_enable_optional, "data leakage, where preprocessing runs, is ML right at all…"),
            ("form: remove this question from the project's form", screen.action_remove_question, "its answer and history are kept"),
            ("form: add a question to this stage", screen.action_add_question, "text, roles and examples; one commit"),
            ("form: reword this question", screen.action_reword_question, "for this project only; one commit"),
            ("sync: choose between the two versions of this answer", screen.action_resolve_versions, "after a sync changed it on both sides (v)"),
            ("requirements: write one from this answer", screen.action_write_requirement, "EARS pattern, text, criteria (w in the list)"),
            ("requirements: list, filter, go to their questions", screen.action_requirements, "l in the list"),
            ("search: questions and answers", screen.action_search, "/ in the list"),
            ("role: clear filter", screen.action_clear_filters, "show every question (x in the list)"),
        ]
        for stage in form.stages:
            first = form.questions_in(stage.id)
            if first:
                name = visible(stage.name)
                commands.append((f"stage: {name}", partial(screen.go_to, first[0].id), f"first {name} question"))
        for role in form.roles:
            commands.append(
                (f"role: {visible(role.name)}", partial(setattr, screen, "role_filter", role.id), "show only this role's questions")
            )
        return commands


class HistoryCommands(_ListedCommands):
    """The history screen's actions: iterations, and what to compare."""

    def _items(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = _history_screen(self)
        if screen is None:
            return []
        return [
            ("history: name this state as an iteration", screen.action_new_iteration, "e.g. Kick-off workshop (n)"),
            ("history: rename the highlighted iteration", screen.action_rename_iteration, "same saves, note and date (e)"),
            ("history: delete the highlighted iteration", screen.action_delete_iteration, "removes its tag; every save stays (delete)"),
            ("history: compare from the highlighted point", partial(screen.action_pick, "from"), "f"),
            ("history: compare up to the highlighted point", partial(screen.action_pick, "to"), "t"),
            ("history: clear from and to", screen.action_clear_picks, "x"),
            ("history: the diff on the whole screen", screen.action_zoom, "enter; enter or escape goes back"),
        ]


class QuestionCommands(_ListedCommands):
    """Go to any question by the words of its text, id or answer."""

    match_words = True

    def _items(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = _form_screen(self)
        if screen is None:
            return []
        items = []
        for question in screen.form.questions:
            entry = screen.expected.get(question.id)
            answer = visible(entry.answer.replace("\n", " "))[:80] if entry and entry.answer else "(no answer)"
            items.append((f"{question.id}: {visible(question.text)}", partial(screen.go_to, question.id), answer))
        return items
