"""The app open while a pull turns a project file into a link or a FIFO: it says so, reads
nothing through it, writes nothing through it, and never shows a file name's escapes raw."""

from __future__ import annotations

import os
from pathlib import Path

from mlreq.projects import Project
from tui_helpers import notifications, screen_text, settle, wait_until

SECRET = "cio_SECRET_TOKEN"
QID = "data.data-source"


async def test_answer_file_turned_into_a_link_while_open(fresh: Project, make_app, tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text(f'["{QID}"]\nanswer = "{SECRET}"\nstatus = "draft"\n')
    before = outside.read_bytes()
    data = fresh.root / "answers" / "data.toml"
    app = make_app(fresh)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.pause()
        data.unlink()
        data.symlink_to(outside)
        assert await wait_until(pilot, lambda: any("symbolic link" in n for n in notifications(app)))
        screen.go_to(QID)
        screen.editor.focus()
        await settle(app, pilot)
        await pilot.press(*"typed over a link", "ctrl+s")
        await settle(app, pilot)
        assert app.is_running
        assert SECRET not in screen_text(app)
        assert screen.editor.text == "typed over a link"  # still on screen: nothing typed is lost
        assert "symbolic link" in screen.indicator.detail
    assert data.is_symlink() and outside.read_bytes() == before


async def test_escapes_in_a_file_name_are_shown_not_obeyed(fresh: Project, make_app, tmp_path: Path) -> None:
    app = make_app(fresh)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        os.mkfifo(fresh.root / "answers" / "x\x1b]2;PWNED\x07.toml")
        assert await wait_until(pilot, lambda: any("FIFO" in n for n in notifications(app)))
        shown = [n for n in notifications(app) if "FIFO" in n]
        assert all("\x1b" not in n and "\x07" not in n for n in shown), shown
        assert any("x␛]2;PWNED␇.toml" in n for n in shown), shown
        assert app.is_running
