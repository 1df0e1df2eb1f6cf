"""`mlreq serve`: the app in browsers, for workshop participants who never open a terminal.

textual-serve runs one app process per browser and relays its screen over a WebSocket.
mlreq puts a guard in front of it (an aiohttp middleware): the page, the WebSocket and
downloads need a token printed with the links (in the query, or in the cookie the page
sets when opened with it): the edit link's, or the view link's, whose sessions are
read-only and follow the question being edited. Anything else is refused with 403, logged
on stderr without the token, and starts nothing. Each browser is known by a random id in a cookie; its app is
`python -I -m mlreq serve-session PATH --browser-id ID`: the installed mlreq, isolated
from the current folder, on the absolute project path, never code from a work tree.
"""

from __future__ import annotations

import errno
import hmac
import secrets
import shlex
import socket
import sys
import time
from typing import Any, TextIO

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from mlreq.bank.errors import MlreqError
from mlreq.projects import Project
from mlreq.projects.browsers import BROWSER_ID
from mlreq.projects.safetext import visible

DEFAULT_PORT = 8000
MAX_SESSIONS = 8
"""Browsers served at once: each is an app process (~60 MB); a workshop room fits in 8."""
TOKEN_COOKIE = "mlreq_token"
BROWSER_COOKIE = "mlreq_browser"
GUARDED = ("/", "/ws")
"""Paths that start or show an app (and /download/...); /static/ is textual-serve's own files."""
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class ServeError(MlreqError):
    exit_code = 1
    title = "Cannot serve"


class MlreqServer(Server):
    """textual-serve's server with a token guard, a session limit and one app per browser."""

    def __init__(
        self,
        project: Project,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        read_only: bool = False,
        max_sessions: int = MAX_SESSIONS,
        log: TextIO = sys.stderr,
    ) -> None:
        super().__init__(command="", host=host, port=port, title=f"mlreq · {visible(project.name)}")
        self.project_root = project.root.resolve()
        self.read_only = read_only
        self.max_sessions = max_sessions
        self.token = secrets.token_urlsafe(24)
        """The link that edits (with --read-only: the only link, and it views)."""
        self.view_token = self.token if read_only else secrets.token_urlsafe(24)
        """The second link: a read-only view that follows the question being edited."""
        self.sessions = 0
        self._websockets: set[web.WebSocketResponse] = set()
        self.log = log
        self._socket: socket.socket | None = None

    # ------------------------------------------------------------------ the apps

    def session_command(self, browser_id: str, read_only: bool) -> str:
        """The shell command textual-serve runs for one browser (it starts it through a shell)."""
        args = [sys.executable, "-I", "-m", "mlreq", "serve-session", str(self.project_root), "--browser-id", browser_id]
        if read_only:
            args.append("--read-only")
        return shlex.join(args)

    # ------------------------------------------------------------------ listening

    def bind(self) -> int:
        """Take the port now, so a taken one is one clear line before anything runs."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
            sock.listen(64)
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {self.port} on {self.host} is taken (another program listens there); choose another with --port N") from None
            raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        self._socket = sock
        self.port = sock.getsockname()[1]
        shown = f"[{self.host}]" if ":" in self.host else self.host
        if self.host in ("0.0.0.0", "::", ""):
            shown = socket.gethostname()  # every address: name the machine, not 0.0.0.0
        self.public_url = f"http://{shown}:{self.port}"
        return self.port

    @property
    def url(self) -> str:
        return f"{self.public_url}/?token={self.token}"

    @property
    def view_url(self) -> str:
        return f"{self.public_url}/?token={self.view_token}"

    def views_only(self, token: str) -> bool | None:
        """What `token` opens: False the editing app, True the read-only view, None nothing."""
        given = token.encode("utf-8", "replace")
        if hmac.compare_digest(given, self.view_token.encode()):
            return True
        if hmac.compare_digest(given, self.token.encode()):
            return self.read_only
        return None

    def initialize_logging(self) -> None:
        pass  # our own lines on stderr; textual-serve's rich logging would print app output

    def serve(self, debug: bool = False) -> None:
        if self._socket is None:
            self.bind()
        web.run_app(self._make_app(), sock=self._socket, print=lambda *args: None, access_log=None)

    async def on_startup(self, app: web.Application) -> None:
        mode = "read-only view" if self.read_only else "editing"
        print(f"mlreq serve: {visible(str(self.project_root))} ({mode}, up to {self.max_sessions} browsers)", flush=True)
        print(f"open: {self.url}", flush=True)
        if not self.read_only:
            print(f"view: {self.view_url} (read-only, follows the question being edited)", flush=True)
        print("Ctrl+C stops the server (each browser's app saves first)", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        # Ctrl+C: end each browser's session now (its app saves and quits), not after
        # aiohttp's grace period.
        for websocket in list(self._websockets):
            await websocket.close(code=1001, message=b"mlreq serve stopped")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    # ------------------------------------------------------------------ the guard

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not (request.path in GUARDED or request.path.startswith("/download/")):
            return await handler(request)
        given = request.query.get("token") or request.cookies.get(TOKEN_COOKIE, "")
        if self.views_only(given) is None:
            self._refused(request, "no or wrong token")
            raise web.HTTPForbidden(text="mlreq serve: open the address with its token, as `mlreq serve` printed it.\n")
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None and origin != f"{request.scheme}://{request.host}":
            self._refused(request, f"WebSocket from another site ({visible(origin)[:100]})")
            raise web.HTTPForbidden(text="mlreq serve: this page belongs to another site.\n")
        response = await handler(request)
        if request.path == "/":
            # The WebSocket carries no query of ours (textual.js adds the size): the cookie
            # is its proof. Strict: no other site's page can make the browser send it.
            response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="Strict", path="/")
            if not BROWSER_ID.match(request.cookies.get(BROWSER_COOKIE, "")):
                response.set_cookie(BROWSER_COOKIE, secrets.token_urlsafe(18), httponly=True, samesite="Strict",
                                    path="/", max_age=365 * 24 * 3600)
        return response

    def _refused(self, request: web.Request, why: str) -> None:
        self._say(f"refused {request.remote} {visible(request.path)[:200]}: {why}")

    def _say(self, line: str) -> None:
        print(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} {line}", file=self.log, flush=True)

    # ------------------------------------------------------------------ pages and sessions

    def _full(self) -> str:
        return (f"mlreq serve: all {self.max_sessions} browser sessions are in use; "
                "close one (or ask the facilitator to restart with more) and reload.")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if self.sessions >= self.max_sessions:
            raise web.HTTPServiceUnavailable(text=self._full() + "\n")
        # URLs from the address the browser used: through `ssh -L 9000:127.0.0.1:8000` that
        # is localhost:9000, not the address the server listens on.
        base = f"{request.scheme}://{request.host}"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{'wss' if request.scheme == 'https' else 'ws'}://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.sessions >= self.max_sessions:
            await websocket.send_bytes(("\r\n" + self._full()).encode())
            await websocket.close()
            return websocket
        browser_id = request.cookies.get(BROWSER_COOKIE, "")
        if not BROWSER_ID.match(browser_id):
            browser_id = secrets.token_urlsafe(18)  # no cookie: a session whose name is not remembered
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        self.sessions += 1
        self._websockets.add(websocket)
        self._say(f"browser session opened from {request.remote} ({self.sessions}/{self.max_sessions})")
        read_only = bool(self.views_only(request.query.get("token") or request.cookies.get(TOKEN_COOKIE, "")))
        service = AppService(
            self.session_command(browser_id, read_only),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except Exception as exc:  # a broken message from the browser ends its session, not the server
            print(f"mlreq serve: a browser session ended: {type(exc).__name__}", file=self.log, flush=True)
        finally:
            # Tells the app to quit: it writes its draft, saves and commits first.
            await service.stop()
            self.sessions -= 1
            self._websockets.discard(websocket)
            self._say(f"browser session closed ({self.sessions}/{self.max_sessions})")
        return websocket


def serve(project: Project, *, host: str, port: int, read_only: bool, out: TextIO) -> int:
    server = MlreqServer(project, host=host, port=port, read_only=read_only)
    server.bind()
    if host not in LOCAL_HOSTS:
        print(f"warning: listening on {host}, not only this machine: anyone who can reach it and has the "
              "link can edit; prefer the default 127.0.0.1 and `ssh -L`", file=sys.stderr, flush=True)
    server.serve()
    return 0
