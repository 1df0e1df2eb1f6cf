"""The reference for bench_startup.py: a bare Textual app shaped like mlreq's form screen.

A Header, a Tree of 40 nodes (4 branches of 9 leaves), a TextArea and a Footer, nothing
else: no project, no git, no TOML. Run it by hand with `python benchmarks/bare_app.py`;
ctrl+q quits.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, TextArea, Tree


class BareApp(App[None]):
    TITLE = "bare"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]
    CSS = """
    Tree { width: 40%; }
    TextArea { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            tree: Tree[str] = Tree("Questions")
            tree.root.expand()
            for stage in range(4):  # 4 + 36 = 40 nodes under the root
                branch = tree.root.add(f"Stage {stage + 1}", expand=True)
                for leaf in range(9):
                    branch.add_leaf(f"Question {stage + 1}.{leaf + 1}")
            yield tree
            yield TextArea("An answer\nover two lines", soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()


if __name__ == "__main__":
    BareApp().run()
