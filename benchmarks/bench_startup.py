#!/usr/bin/env python
"""Startup to the first interactive frame, and keypress-to-echo latency, of the mlreq app.

1. Startup (issue 3: aim <= 1.5x the bare app). Each app runs as a real process under a
   pseudo-terminal of 80x24 (TERM=xterm-256color), as a user would start it:
   - mlreq: `mlreq PROJECT` on a fully answered 37-question project (every answer written
     with Project.save, one commit each);
   - bare: `python benchmarks/bare_app.py` (Header, Tree of 40 nodes, TextArea, Footer).
   Times are from just before fork to the moment the terminal output holds, after the
   switch to the alternate screen:
   - "header": the app's title (the first frame of its screen), and
   - "footer": the footer's `palette` key text, the last part of the first complete,
     interactive frame (Textual's Footer fills in after mount). The ratio uses this one.
   Then ctrl+q is sent (SIGKILL after 5 s). Runs alternate bare/mlreq, after one warm-up
   run of each (bytecode and page cache).

2. Keypress-to-echo in the editor (issue 3: the same with a commit running in the
   background). In-process with `App.run_test()` at 80x24: a key event is sent through the
   driver (the path a terminal's input takes) and the time is taken when the TextArea
   posts `Changed` (its text holds the key) and when the next frame is composed. Pilot's
   `press()` is not used for timing: it waits for "idle" by sampling the process's CPU
   time in 20 ms steps, so it would measure itself (and never settle while a background
   thread works). Modes, interleaved in rounds:
   - idle: nothing else running;
   - git loop: another thread runs `git commit --only` on a tracked file of the same repo,
     back to back;
   - save queue: the app's own SaveQueue saves a large answer (default 150 KB) of another
     question over and over (TOML render, atomic write, commit), as after a big paste;
   - save thread: the same saves by a plain thread calling Project.save, so the app does
     not handle SaveStarted/SaveFinished: tells the worker's CPU/GIL share from the UI's.

3. Command-line start (issue 14: `mlreq --version` within 1.5x a bare `python -c pass`,
   `show`, `status` and completion values within 2.5x, `answer` within 3x). Each command
   runs as a process with the venv's `mlreq` console script (the way a user types it),
   interleaved with `python -c pass` of the same interpreter in the same run; medians and
   their ratios. An editable install (`pip install -e`) adds its import finder to every
   start: compare `--cli-python-m` (`python -m mlreq`) to see that part.

Run: .venv/bin/python benchmarks/bench_startup.py [--runs 10] [--keys 100] [--cli-runs 20]
     only the command line: --skip-startup --skip-latency
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import pty
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _benchlib as bench  # noqa: E402

ALT_SCREEN = b"\x1b[?1049h"
FOOTER_MARK = b"palette"  # the footer's "^p palette", drawn in both apps
AIM_STARTUP = 1.5
ROWS, COLS = 24, 80
LOAD_QID = "modeling.baseline"
TYPE_QID = "scoping.business-problems"  # the question the app opens on


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="timed starts of each app (default 10)")
    parser.add_argument("--keys", type=int, default=100, help="timed keypresses per latency mode (default 100)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the latency modes (default 5)")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between keypresses (default 0.05)")
    parser.add_argument("--load-size", type=int, default=150_000, help="characters of the answer the save queue keeps saving")
    parser.add_argument("--cli-runs", type=int, default=20, help="timed runs of each command-line command (default 20)")
    parser.add_argument("--cli-python-m", action="store_true", help="run the commands as `python -m mlreq`, not the console script")
    parser.add_argument("--compare", type=Path, metavar="MLREQ",
                        help="another mlreq console script (say, an install of an earlier commit), timed in the same rounds")
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="mlreq-bench-startup-"))
    env = bench.isolate_git(tmp)
    env["TERM"] = "xterm-256color"
    env.pop("COLORTERM", None)
    repo = tmp / "project"
    started = time.perf_counter()
    bench.make_project(repo, 0)
    bench.fill_all_answers(repo)
    (repo / "bench").mkdir()
    (repo / "bench" / "load.txt").write_text("0\n")
    bench.git(repo, "add", "bench/load.txt")
    bench.git(repo, "commit", "-q", "-m", "Add a file for the background commit loop")
    print(f"mlreq startup and typing benchmark  ({bench.load_line()})")
    print(f"project: 37 answered questions, {bench.git(repo, 'rev-list', '--count', 'HEAD').strip()} commits, "
          f"built in {time.perf_counter() - started:.1f} s in {tmp}\n")
    try:
        if not args.skip_cli:
            cli_commands(repo, env, args.cli_runs, args.cli_python_m, args.compare)
        if not args.skip_startup:
            startup(repo, env, args.runs)
        if not args.skip_latency:
            asyncio.run(latency(repo, env, args))
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{bench.load_line()} at the end")


# ----------------------------------------------------------------------------- command line

CLI_AIMS = {"--version": 1.5, "show": 2.5, "status": 2.5, "completion": 2.5, "answer": 3.0}


def cli_commands(repo: Path, env: dict[str, str], runs: int, python_m: bool, compare: Path | None = None) -> None:
    """Wall time of short CLI commands against `python -c pass`, interleaved in one run."""
    script = Path(sys.executable).parent / "mlreq"
    mlreq = [sys.executable, "-m", "mlreq"] if python_m or not script.exists() else [str(script)]
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], None, repo)}
    for prefix, program in (("", mlreq), ("compared: ", [str(compare)] if compare else None)):
        if program is None:
            continue
        where = repo
        if prefix:  # its own copy: each one's answers must not change the files the other reads
            where = repo.parent / "project-compared"
            shutil.copytree(repo, where, symlinks=True)
        commands |= {
            f"{prefix}--version": ([*program, "--version"], None, where),
            f"{prefix}show": ([*program, "show", LOAD_QID], None, where),
            f"{prefix}status": ([*program, "status"], None, where),
            f"{prefix}completion": ([*program, "completion", "--values", "questions"], None, where),
            f"{prefix}answer": ([*program, "answer", TYPE_QID, "--text"], "text", where),  # a new text each run: a real commit
        }
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: bytecode cached
    for round_ in range(runs + 1):  # round 0 warms the bytecode and page caches
        for name, (argv, extra, where) in commands.items():
            full = [*argv, f"Benchmark answer {round_}"] if extra else argv
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run(full, cwd=where, env=env, stdin=subprocess.DEVNULL, capture_output=True)
            elapsed = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                sys.exit(f"{' '.join(full)} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
            if round_:
                times[name].append(elapsed)
                # CPU time of the command and the git processes it waited for: on a busy
                # machine it moves less than the wall clock (no time spent waiting for a CPU).
                cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    how = "python -m mlreq" if mlreq[0] == sys.executable else "the mlreq console script"
    print(f"Command-line start ({runs} runs each, interleaved, {how}; load {os.getloadavg()[0]:.2f}):")
    bare = bench.stats(times["python -c pass"]).median
    bare_cpu = bench.stats(cpu["python -c pass"]).median
    for name in commands:
        s = bench.stats(times[name])
        c = bench.stats(cpu[name]).median
        aim = CLI_AIMS.get(name)
        verdict = f"   (aim <= {aim}x: {'ok' if s.median / bare <= aim else 'OVER'})" if aim else ""
        print(f"  {name:26} med {s.median:6.0f} ms p95 {s.p95:6.0f} ms  {s.median / bare:5.2f}x python -c pass"
              f"  (CPU {c:5.0f} ms, {c / bare_cpu:5.2f}x){verdict}")
    print()


# ----------------------------------------------------------------------------- startup


def startup(repo: Path, env: dict[str, str], runs: int) -> None:
    bin_dir = Path(sys.executable).parent
    mlreq = bin_dir / "mlreq"
    apps = {
        "bare": ([sys.executable, str(HERE / "bare_app.py")], b"bare"),
        "mlreq": ([str(mlreq), str(repo)] if mlreq.exists() else [sys.executable, "-m", "mlreq", str(repo)], b"Bench project"),
    }
    results: dict[str, dict[str, list[float]]] = {name: {"output": [], "header": [], "footer": []} for name in apps}
    for name, (argv, title) in apps.items():  # warm-up
        first_frame(argv, title, env, repo.parent)
    for _ in range(runs):
        for name, (argv, title) in apps.items():
            marks = first_frame(argv, title, env, repo.parent)
            for key in results[name]:
                results[name][key].append(marks[key])
    print(f"Startup to the first interactive frame ({runs} runs each, pty {COLS}x{ROWS}, alternating):")
    print(f"  {'':6} {'first output':>26} {'header drawn':>26} {'footer drawn (interactive)':>28}")
    for name in apps:
        cells = [bench.stats(results[name][k]) for k in ("output", "header", "footer")]
        print(f"  {name:6} " + " ".join(f"{f'med {c.median:6.0f} ms p95 {c.p95:5.0f}':>26}" for c in cells))
    bare, ours = bench.stats(results["bare"]["footer"]), bench.stats(results["mlreq"]["footer"])
    ratio = ours.median / bare.median
    head = bench.stats(results["mlreq"]["header"]).median / bench.stats(results["bare"]["header"]).median
    print(f"  ratio mlreq/bare: footer (interactive) median {ratio:.2f}x, p95 {ours.p95 / bare.p95:.2f}x; "
          f"header median {head:.2f}x   (aim <= {AIM_STARTUP}x: {'ok' if ratio <= AIM_STARTUP else 'OVER'})\n")


def first_frame(argv: list[str], title: bytes, env: dict[str, str], cwd: Path, timeout: float = 20.0) -> dict[str, float]:
    """Start `argv` under an 80x24 pty; seconds until its output shows each landmark."""
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal and stdin/stdout/stderr
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    marks: dict[str, float] = {}
    output = bytearray()
    screen_at = -1
    try:
        while "footer" not in marks:
            if time.perf_counter() - t0 > timeout:
                sys.exit(f"{argv}: no first frame within {timeout:.0f} s; output so far: {bytes(output[-500:])!r}")
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:
                sys.exit(f"{argv}: exited before its first frame; output: {bytes(output[-2000:])!r}")
            now = time.perf_counter() - t0
            marks.setdefault("output", now)
            output += data
            if screen_at < 0 and (at := output.find(ALT_SCREEN)) >= 0:
                screen_at = at
            if screen_at >= 0:
                if "header" not in marks and output.find(title, screen_at) >= 0:
                    marks["header"] = now
                if output.find(FOOTER_MARK, screen_at) >= 0:
                    marks.setdefault("header", now)
                    marks["footer"] = now
        os.write(fd, b"\x11")  # ctrl+q
        _reap(pid, fd, 5.0)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(fd)
    return marks


def _reap(pid: int, fd: int, wait: float) -> None:
    deadline = time.perf_counter() + wait
    while time.perf_counter() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                os.read(fd, 65536)  # keep draining so the app is never blocked writing
            except OSError:
                pass


# ----------------------------------------------------------------------------- latency


class GitLoop:
    """Back-to-back `git commit --only` of bench/load.txt in a thread."""

    def __init__(self, repo: Path, env: dict[str, str]) -> None:
        self.repo, self.env = repo, env
        self.stop = threading.Event()
        self.commits = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        path = self.repo / "bench" / "load.txt"
        while not self.stop.is_set():
            path.write_text(f"{self.commits} {time.time()}\n")
            done = subprocess.run(["git", "commit", "-q", "--only", "-m", "load", "--", "bench/load.txt"],
                                  cwd=self.repo, env=self.env, stdin=subprocess.DEVNULL, capture_output=True)
            if done.returncode == 0:
                self.commits += 1
            else:
                time.sleep(0.01)  # the app's own autosave held index.lock: try again

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.commits


class SaveLoad:
    """Keeps the app's own SaveQueue busy saving a large answer to another question.

    The commits are counted from the branch (`git rev-list --count`) around each block.
    """

    def __init__(self, app, size: int) -> None:  # type: ignore[no-untyped-def]
        from mlreq.projects import Entry

        self.app = app
        self.queue = app.form_screen.queue
        self.entries = [Entry(answer=bench.big_text(size, True, v), status="draft") for v in (1, 2)]
        self.stop = threading.Event()
        self.saves = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            if not self.queue.busy:
                wanted = self.entries[self.saves % 2]
                self.saves += 1
                self.app.call_from_thread(self.queue.request, LOAD_QID, wanted, None)
            time.sleep(0.001)

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> int:
        self.stop.set()
        self.thread.join()
        self.queue.wait(30)
        return self.saves


class SaveThread:
    """The same large-answer saves as SaveLoad, but by a plain thread calling Project.save:
    the worker's CPU (and GIL) cost without the app handling SaveStarted/SaveFinished."""

    def __init__(self, app, size: int) -> None:  # type: ignore[no-untyped-def]
        self.project = app.project
        self.texts = [bench.big_text(size, True, v) for v in (3, 4)]
        self.stop = threading.Event()
        self.saves = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.project.save(LOAD_QID, answer=self.texts[self.saves % 2])
            self.saves += 1

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> int:
        self.stop.set()
        self.thread.join()
        return self.saves


async def latency(repo: Path, env: dict[str, str], args: argparse.Namespace) -> None:
    from textual import events
    from textual.widgets import TextArea

    from mlreq.projects import Project
    from mlreq.tui.app import MlreqApp

    project = Project.open(repo)
    app = MlreqApp(project, project.entries())
    modes = ("idle", "git loop", "save queue", "save thread")
    changed: dict[str, list[float]] = {m: [] for m in modes}
    drawn: dict[str, list[float]] = {m: [] for m in modes}
    load_counts: dict[str, int] = {m: 0 for m in modes}
    load_seconds: dict[str, float] = {m: 0.0 for m in modes}

    async with app.run_test(size=(COLS, ROWS)) as pilot:
        await pilot.pause(0.5)
        screen = app.form_screen
        editor = screen.editor
        if screen.current != TYPE_QID or not editor.has_focus:
            sys.exit(f"expected the editor of {TYPE_QID} focused; got {screen.current}, focus {app.focused}")
        stamp: dict[str, float | None] = {"changed": None, "drawn": None}
        arrived = asyncio.Event()
        drawn_event = asyncio.Event()
        original_post, original_display = editor.post_message, app._display

        def post_message(message):  # type: ignore[no-untyped-def]
            if isinstance(message, TextArea.Changed) and stamp["changed"] is None:
                stamp["changed"] = time.perf_counter()
                arrived.set()
            return original_post(message)

        def display(screen_, renderable):  # type: ignore[no-untyped-def]
            if renderable is not None and stamp["changed"] is not None and stamp["drawn"] is None:
                stamp["drawn"] = time.perf_counter()
                drawn_event.set()
            return original_display(screen_, renderable)

        editor.post_message = post_message  # type: ignore[method-assign]
        app._display = display  # type: ignore[method-assign]
        driver = app._driver
        letters = "abcdefghijklmnopqrstuvwxyz"

        async def press(index: int) -> tuple[float, float]:
            char = letters[index % len(letters)]
            before = editor.text
            stamp["changed"] = stamp["drawn"] = None
            arrived.clear()
            drawn_event.clear()
            t0 = time.perf_counter()
            driver.send_message(events.Key(char, char))
            await asyncio.wait_for(arrived.wait(), 10)
            await asyncio.wait_for(drawn_event.wait(), 10)
            if editor.text == before or char not in editor.text:
                sys.exit(f"the editor did not receive {char!r}")
            return stamp["changed"] - t0, stamp["drawn"] - t0  # type: ignore[operator]

        async def settle(outside_changes: bool = False) -> None:
            if outside_changes:  # let the app's disk watcher see and reload them, outside any timed block
                await asyncio.sleep(app.poll_interval + 0.5)
            screen.action_save_now()  # commit what was typed, outside any timed block
            await asyncio.to_thread(screen.queue.wait, 30)
            await pilot.pause(0.3)
            if len(editor.text) > 2000:  # keep the typed answer short: re-wrapping grows with it
                editor.load_text("Typed by the benchmark: ")
                screen.action_save_now()
                await asyncio.to_thread(screen.queue.wait, 30)

        for i in range(10):  # warm-up
            await press(i)
            await asyncio.sleep(args.interval)
        await settle()

        rounds = max(1, args.rounds)
        per_round = max(1, args.keys // rounds)
        count = 0
        for _ in range(rounds):
            for mode in modes:
                load = {
                    "git loop": lambda: GitLoop(repo, env),
                    "save queue": lambda: SaveLoad(app, args.load_size),
                    "save thread": lambda: SaveThread(app, args.load_size),
                }.get(mode, lambda: None)()
                head_count = int(bench.git(repo, "rev-list", "--count", "HEAD"))
                if load:
                    load.start()
                    await asyncio.sleep(0.2)  # let the load get going
                block_start = time.perf_counter()
                for _ in range(per_round):
                    c, d = await press(count)
                    count += 1
                    changed[mode].append(c)
                    drawn[mode].append(d)
                    await asyncio.sleep(args.interval)
                load_seconds[mode] += time.perf_counter() - block_start
                if load:
                    await asyncio.to_thread(load.finish)
                load_counts[mode] += int(bench.git(repo, "rev-list", "--count", "HEAD")) - head_count
                await settle(outside_changes=mode == "save thread")
        editor.post_message = original_post  # type: ignore[method-assign]
        app._display = original_display  # type: ignore[method-assign]
        await pilot.press("ctrl+q")

    print(f"Keypress to echo in the editor ({per_round * rounds} keys per mode, {rounds} interleaved rounds, "
          f"{args.interval * 1000:.0f} ms apart, run_test 80x24):")
    idle_c, idle_d = bench.stats(changed["idle"]), bench.stats(drawn["idle"])
    for mode in modes:
        c, d = bench.stats(changed[mode]), bench.stats(drawn[mode])
        load = ""
        if mode == "git loop":
            load = f"  [{load_counts[mode]} background git commits, {load_counts[mode] / load_seconds[mode]:.0f}/s]"
        elif mode == "save queue":
            load = f"  [{load_counts[mode]} commits of a {args.load_size // 1000} KB answer by the app's queue, {load_counts[mode] / load_seconds[mode]:.1f}/s]"
        elif mode == "save thread":
            load = f"  [{load_counts[mode]} commits of a {args.load_size // 1000} KB answer by Project.save in a thread, {load_counts[mode] / load_seconds[mode]:.1f}/s]"
        elif load_counts[mode]:
            load = f"  [{load_counts[mode]} commits happened anyway]"
        print(f"  {mode:11}  text changed: med {c.median:6.2f} ms p95 {c.p95:6.2f} ms ({c.median / idle_c.median:4.2f}x idle)"
              f"   frame composed: med {d.median:6.2f} ms p95 {d.p95:6.2f} ms ({d.median / idle_d.median:4.2f}x idle){load}")
    print("  aim: with a commit in the background, the same as idle (ratio ~1.0)")


if __name__ == "__main__":
    main()
