"""The left pane: stages and their questions, each with a status marker and progress."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from mlreq.bank import Form
from mlreq.projects import Entry
from mlreq.projects.safetext import visible

from ..markers import marker


class QuestionNav(Tree[str]):
    """Stages as branches, questions as leaves; node data is the question id (or None)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        # The list's commands (the form screen's actions): active, and in the footer, only
        # while the list has the focus, so letters typed for an answer never run them.
        Binding("e,i", "screen.edit", "Type", tooltip="Type the answer (also Enter)"),
        Binding("a", "screen.mark('agreed')", "Agreed"),
        Binding("d", "screen.mark('draft')", "Draft"),
        Binding("r", "screen.mark('needs-review')", "Review", tooltip="Mark needs review"),
        Binding("o", "screen.mark('open')", "Reopen"),
        Binding("u", "screen.next_open(False)", "Open", tooltip="Next question without an answer"),
        Binding("t", "screen.timeline", "Timeline", id="timeline", tooltip="Every version of this answer"),
        Binding("slash", "screen.search", "Search", id="search"),
        Binding("f", "screen.pick_role", "Role", tooltip="Show one role's questions"),
        Binding("x", "screen.clear_filters", "Clear", id="clear_filter", tooltip="Clear the role filter and search"),
        Binding("p", "screen.progress", "Progress"),
        Binding("v", "screen.resolve_versions", "Versions", id="versions", tooltip="Choose between two versions after a sync"),
        Binding("w", "screen.write_requirement", "Requirement", show=False, tooltip="Write a requirement from this answer"),
        Binding("l", "screen.requirements", "Requirements", show=False, tooltip="The requirements, by question"),
    ]

    @dataclass
    class QuestionHighlighted(Message):
        question_id: str

    @dataclass
    class QuestionChosen(Message):
        """Enter on a question: the user wants to type its answer."""

        question_id: str

    def __init__(self, **kwargs) -> None:
        super().__init__("Questions", **kwargs)
        self.show_root = False
        self.guide_depth = 2
        self._leaves: dict[str, TreeNode[str]] = {}
        self._stage_nodes: dict[str, TreeNode[str]] = {}
        self._form: Form | None = None
        self._editors: dict[str, str] = {}
        """Question id -> who else is on it (names already made visible)."""
        self._entries: dict[str, Entry] = {}

    def rebuild(self, form: Form, entries: dict[str, Entry], shown: list[str], current: str | None) -> None:
        """Show `shown` question ids grouped by stage, keeping the cursor on `current`."""
        self._form = form
        self._entries = entries
        # Drop the cursor first: left on its line, it would highlight whichever new node
        # lands there and send the form to that question.
        self.cursor_line = -1
        self.clear()
        self._leaves.clear()
        self._stage_nodes.clear()
        wanted = set(shown)
        for stage in form.stages:
            questions = [q for q in form.questions_in(stage.id) if q.id in wanted]
            if not questions:
                continue
            branch = self.root.add(self._stage_label(stage.id, entries), data=None, expand=True)
            self._stage_nodes[stage.id] = branch
            for question in questions:
                self._leaves[question.id] = branch.add_leaf(self._leaf_label(question.id, entries), data=question.id)
        if current in self._leaves:
            self.move_to(current)

    def _stage_label(self, stage_id: str, entries: dict[str, Entry]) -> str:
        assert self._form is not None
        stage = self._form.stage(stage_id)
        questions = self._form.questions_in(stage_id)
        answered = sum(entries[q.id].answered for q in questions)
        return f"{visible(stage.name) if stage else stage_id} {answered}/{len(questions)}"

    def _leaf_label(self, question_id: str, entries: dict[str, Entry]) -> str:
        assert self._form is not None
        question = self._form.question(question_id)
        text = question.text if question else question_id
        who = self._editors.get(question_id)
        here = f"✎{who[:16]}: " if who else ""
        return f"{marker(entries[question_id].status)} {here}{visible(text)}"

    def show_editors(self, editors: dict[str, str]) -> None:
        """Mark the questions other sessions are on with who is there."""
        if editors == self._editors:
            return
        changed = set(editors) | set(self._editors)
        self._editors = editors
        for question_id in changed:
            if question_id in self._leaves and question_id in self._entries:
                self._leaves[question_id].set_label(self._leaf_label(question_id, self._entries))

    def refresh_labels(self, entries: dict[str, Entry]) -> None:
        """Update markers and stage counts after a save or a reload."""
        self._entries = entries
        for question_id, node in self._leaves.items():
            node.set_label(self._leaf_label(question_id, entries))
        for stage_id, node in self._stage_nodes.items():
            node.set_label(self._stage_label(stage_id, entries))

    def move_to(self, question_id: str) -> None:
        """Put the cursor on a question now: never later, when the form may have moved on."""
        node = self._leaves.get(question_id)
        if node is None or self.cursor_node is node:
            return
        _ = self.last_line  # lay out nodes added since the last render: their line is -1 until then
        self.cursor_line = node.line
        self.call_after_refresh(self._scroll_to_cursor)  # scrolling needs the laid-out size

    def _scroll_to_cursor(self) -> None:
        if self.cursor_node is not None:
            self.scroll_to_node(self.cursor_node, animate=False)

    def process_label(self, label: str | Text) -> Text:
        # Labels hold question text from files: never parse them as markup.
        return Text(label, no_wrap=True, overflow="ellipsis") if isinstance(label, str) else label

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.QuestionHighlighted(event.node.data))

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.QuestionChosen(event.node.data))
