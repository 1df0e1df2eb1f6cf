"""Issue 15: the workshop for everyone in the room.

`mlreq serve` runs as a real subprocess on a free loopback port and is spoken to as a
browser would (aiohttp's client, textual-serve's WebSocket protocol); two apps on one
project are driven with Pilot. Skipped, saying why, where textual-serve is not installed.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import assert_one_line_error
from mlreq.projects import Project
from mlreq.projects.drafts import DraftStore
from mlreq.projects.presence import STALE
from mlreq.tui.app import FOLLOWING, MlreqApp
from tui_helpers import git, wait_until

FIRST = "scoping.business-problems"
SECOND = "scoping.ml-feasibility"
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


def _app_sessions(root: Path) -> list[str]:
    """The app sessions running on project `root` (`... mlreq serve-session ROOT ...`)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue  # ended meanwhile
        if b"serve-session" in words and str(root.resolve()).encode() in words:
            found.append(cmdline.parent.name)
    return found


class Served:
    """`mlreq serve PATH --port 0` in a subprocess of its own session, killed at the end."""

    def __init__(self, root: Path, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlreq", "serve", str(root), "--port", "0"],
            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        lines = [self.process.stdout.readline() for _ in range(2)]
        opened = [line.split(" ", 1)[1].strip() for line in lines if line.startswith("open: ")]
        if not opened:
            err = self.stop()
            pytest.fail(f"mlreq serve did not start: {lines} {err}")
        self.url = opened[0]
        self.base = self.url.split("/?", 1)[0]

    def stop(self) -> str:
        """Stop the server (SIGTERM to its session) and return what it logged on stderr."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            _, err = self.process.communicate()
        return err


async def _screen_until(ws, wanted: bytes, timeout: float = 30) -> bool:  # type: ignore[no-untyped-def]
    """Read the app's output until `wanted` shows (escape sequences removed)."""
    import aiohttp

    seen, end = b"", time.monotonic() + timeout
    while wanted not in ANSI.sub(b"", seen):
        left = end - time.monotonic()
        if left <= 0:
            return False
        message = await ws.receive(timeout=left)
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            return False
    return True


async def _eventually(predicate, timeout: float = 30) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            return False
        await asyncio.sleep(0.1)
    return True


async def test_serve_refuses_without_the_token_and_a_browser_commits_under_its_own_name(fresh: Project, tmp_path: Path) -> None:
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("textual_serve", reason='textual-serve is not installed (pip install "mlreq[serve]")')
    server = Served(fresh.root, cwd=tmp_path)
    try:
        async with aiohttp.ClientSession() as stranger:
            for path in ("/", "/?token=not-the-token-xyz", "/ws"):
                async with stranger.get(server.base + path) as response:
                    assert response.status == 403, path
        assert _app_sessions(fresh.root) == []  # nothing was started for them
        # A browser: the page with the token sets the cookies the WebSocket then carries.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            async with browser.get(server.url) as response:
                assert response.status == 200
                assert "data-session-websocket-url" in await response.text()
            async with browser.ws_connect(server.base.replace("http", "ws") + "/ws?width=100&height=30") as ws:
                await ws.send_json(["resize", {"width": 100, "height": 30}])
                assert await _screen_until(ws, b"Who is typing")
                assert len(_app_sessions(fresh.root)) == 1  # this browser's app
                # F4 ($EDITOR) cannot suspend a browser's screen: said, never a crash.
                for data in ("Ada Lovelace", "\t", "ada@example.com", "\r", "Typed in a browser", "\x1bOS"):
                    await ws.send_json(["stdin", data])
                assert await _screen_until(ws, b"not in a browser")
                # The text reached its draft; the browser goes away before any autosave.
                assert await _eventually(lambda: any(d.text == "Typed in a browser" for d in DraftStore(fresh.root).all()))
            # The app, told to quit, saved and committed what the box held.
            assert await _eventually(lambda: "Typed in a browser" in git(fresh.root, "show", "HEAD:answers/scoping.toml"))
    finally:
        log = server.stop()
    assert git(fresh.root, "log", "-1", "--format=%an <%ae>").strip() == "Ada Lovelace <ada@example.com>"
    assert git(fresh.root, "status", "--porcelain") == ""  # .mlreq/ (identities, presence) is not committed
    refusals = [line for line in log.splitlines() if " refused " in line]
    assert len(refusals) == 3 and all("127.0.0.1" in line for line in refusals), log
    assert "not-the-token-xyz" not in log and server.url.split("token=")[1] not in log  # tokens never logged
    # The browser's name is remembered for it under .mlreq/browsers/.
    assert [p.suffix for p in (fresh.root / ".mlreq" / "browsers").iterdir()] == [".json"]


async def test_another_sites_page_and_a_ninth_browser_are_refused_and_start_nothing(fresh: Project) -> None:
    """In-process: the guard and the session limit answer before any app is started."""
    aiohttp = pytest.importorskip("aiohttp")
    pytest.importorskip("textual_serve", reason='textual-serve is not installed (pip install "mlreq[serve]")')
    from aiohttp.test_utils import TestClient, TestServer

    from mlreq.tui.serve import MAX_SESSIONS, MlreqServer

    log = io.StringIO()
    server = MlreqServer(fresh, log=log)
    async with TestClient(TestServer(await server._make_app())) as client:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect(f"/ws?token={server.token}", headers={"Origin": "http://evil.example"})
        assert refused.value.status == 403
        # The view link's page sets the view token: that browser's app will be read-only.
        view_page = await client.get(f"/?token={server.view_token}")
        assert view_page.status == 200 and view_page.cookies["mlreq_token"].value == server.view_token
        assert (server.views_only(server.view_token), server.views_only(server.token), server.views_only("x")) == (True, False, None)
        server.sessions = MAX_SESSIONS  # as many browsers as allowed are connected
        page = await client.get(f"/?token={server.token}")
        assert page.status == 503 and f"all {MAX_SESSIONS} browser sessions are in use" in await page.text()
        ws = await client.ws_connect(f"/ws?token={server.token}")
        message = await ws.receive()
        assert b"in use" in message.data
        await ws.close()
    assert _app_sessions(fresh.root) == []
    assert "evil.example" in log.getvalue() and server.token not in log.getvalue()
    # Each browser's app: the installed mlreq, isolated from the current folder, on the absolute path.
    viewer = server.session_command("B" * 24, read_only=True)
    assert shlex.split(viewer) == [sys.executable, "-I", "-m", "mlreq", "serve-session", str(fresh.root.resolve()),
                                   "--browser-id", "B" * 24, "--read-only"]


def test_serve_on_a_taken_port_says_so_in_one_line(cli, fresh: Project) -> None:
    pytest.importorskip("textual_serve", reason='textual-serve is not installed (pip install "mlreq[serve]")')
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        line = assert_one_line_error(cli("serve", fresh.root, "--port", port), 1)
    assert f"port {port} on 127.0.0.1 is taken" in line


def test_serve_without_textual_serve_says_how_to_install_it(cli, fresh: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    monkeypatch.setitem(sys.modules, "mlreq.tui.serve", None)
    line = assert_one_line_error(cli("serve", fresh.root), 1)
    assert 'pip install "mlreq[serve]"' in line


async def test_a_read_only_view_follows_the_editor_shows_who_and_sees_saves(fresh: Project, make_app) -> None:
    """Two apps on one project: the editor moves and saves; the view follows, says who is
    there, and shows the saved answer by the next look at the disk, without editing."""
    # A presence file planted in .mlreq/ (a hostile clone, a torn write): its name is shown, never obeyed.
    planted = fresh.root / ".mlreq" / "presence" / "planted.json"
    planted.parent.mkdir(parents=True)
    planted.write_text(json.dumps({"author": "Mallory\x1b]2;owned\x07", "question": FIRST, "editing": True,
                                   "at": time.time() + STALE - 1, "moved_at": 0}))  # live for the next 19 s
    editor_app = make_app(fresh)
    view = MlreqApp(Project.open(fresh.root), fresh.entries(), poll_interval=0.2, follow=True)
    async with editor_app.run_test(size=(100, 30)) as pilot, view.run_test(size=(100, 30)) as view_pilot:
        editor, viewer = editor_app.form_screen, view.form_screen
        assert viewer.read_only_reason == FOLLOWING and viewer.editor.read_only
        await pilot.press("ctrl+n")
        assert await wait_until(view_pilot, lambda: viewer.current == SECOND)
        presence = viewer.query_one("#q-presence")
        assert await wait_until(view_pilot, lambda: "Test Person is on this question too" in str(presence.render()))
        assert "✎Test Person: " in str(viewer.nav._leaves[SECOND].label)
        planted_label = str(viewer.nav._leaves[FIRST].label)
        assert "✎Mallory" in planted_label and "\x1b" not in planted_label and "\x07" not in planted_label
        await pilot.press(*"saved next door", "ctrl+s")
        assert await wait_until(pilot, lambda: fresh.entry(SECOND).answer == "saved next door")
        assert await wait_until(view_pilot, lambda: viewer.editor.text == "saved next door")
        assert editor.current == SECOND
    assert git(fresh.root, "log", "-1", "--format=%an %s").strip() == f"Test Person Answer {SECOND}"


async def test_the_app_with_sync_every_brings_in_the_other_sites_answers(
    fresh: Project, make_app, tmp_path: Path
) -> None:
    from mlreq.projects.sync import Sync, clone

    hub = tmp_path / "hub.git"
    git(tmp_path, "init", "--bare", "--quiet", str(hub))
    Sync(fresh).set_remote(str(hub))
    Sync(fresh).sync()
    other_site = clone(str(hub), tmp_path / "b")
    other_site.save("scoping.resources", answer="two GPUs, from the other site")
    Sync(other_site).sync()
    app = MlreqApp(Project.open(fresh.root), fresh.entries(), poll_interval=0.2, sync_every=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.form_screen
        # (pushing this side's commits is the same has_changes/sync as `mlreq sync --watch`, tested there)
        assert await wait_until(pilot, lambda: screen.entries["scoping.resources"].answer == "two GPUs, from the other site")
        assert await wait_until(pilot, lambda: "Synced: 1 commit(s) in" in screen.query_one("#notice").text)
    assert git(fresh.root, "status", "--porcelain") == ""
