"""Keys are handled one at a time, in the order they were typed, whatever the speed.

Textual hands a key to its target by posting it to that widget's message queue and moves
on to the next key at once. Each widget drains its own queue, keys that a widget does
not handle bubble up through more queues, and priority bindings run in the app before
anything queued elsewhere. So in a burst (a paste, type-ahead, a laggy SSH link) a
Ctrl+N could move to the next question before the characters typed just before it
reached the answer box, and characters typed after an Escape could reach the box
instead of the list.

`KeySequencer` holds every incoming key (and paste) back until the previous one, and
what it set off, has been handled: after delivering a key it hops a callback through the
message queue of the widget that got the key and each of its ancestors up to the app.
Queues are first-in first-out, so when the hop leaves a widget, the key and anything
queued before the hop are done there, and the key's bubbling reached the next queue
before the hop does. Then the current screen must be quiet (no queued messages, no
callbacks waiting for a refresh: a dialog that opened has its focus, a dialog that closed
has run its result callback) before the next key goes. A key that arrives while nothing
is in flight is delivered at once, so typing at human speed is not delayed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

STALL = 2.0
"""Seconds after which a key whose hop was lost stops holding the next. A safety net only:
releasing a key early can put it out of order, so it is counted (`stalls`), and slow
machines must not reach it (handling one key takes milliseconds)."""


class KeySequencer:
    def __init__(self, app: App, deliver: Callable[[events.Event], Awaitable[None]]) -> None:
        self.app = app
        self.deliver = deliver
        """Textual's own handling of one raw input event (priority bindings, or forward to the focused widget)."""
        self.pending: deque[events.Event] = deque()
        self.delivering: events.Event | None = None
        """The key handed to Textual last (for a report when keys stop moving)."""
        self._in_flight = False
        self._settling_since: float | None = None
        self._round = 0
        """Bumped when a key is released, so hops of an abandoned round do nothing."""
        self.stalls = 0
        """Keys released by the safety net (never, unless something loops or hangs)."""

    @property
    def idle(self) -> bool:
        return not self._in_flight and not self.pending

    async def receive(self, event: events.Event) -> None:
        self.pending.append(event)
        if self._in_flight:
            self.check_stall()
            return
        await self._deliver_next()

    def check_stall(self) -> None:
        """Release the next key if the hop of the current one went missing (a safety net)."""
        if self._settling_since is not None and time.monotonic() - self._settling_since > STALL:
            self.app.call_later(self._settled, self._round)

    async def _deliver_next(self) -> None:
        if self._in_flight or not self.pending:
            return
        event = self.pending.popleft()
        self.delivering = event
        self._in_flight = True
        self._settling_since = None
        try:
            await self.deliver(event)
        finally:
            self._settling_since = time.monotonic()
            self._start_round()

    # ------------------------------------------------------------------ settling

    def _chain(self) -> list[MessagePump]:
        """The focused widget (or the screen) and its ancestors below the app."""
        try:
            node: MessagePump | None = self.app.focused or self.app.screen
        except Exception:  # no screen (closing)
            return []
        chain = []
        while node is not None and node is not self.app:
            chain.append(node)
            node = node._parent
        return chain

    def _start_round(self) -> None:
        self._round += 1
        self._hop(self._chain(), 0, self._round)

    def _hop(self, chain: list[MessagePump], index: int, round_: int) -> None:
        """Runs in `chain[index - 1]`'s task: everything queued there before it is handled."""
        if round_ != self._round:
            return
        while index < len(chain):
            node = chain[index]
            if not node._message_queue.empty():
                # Something arrived after the hop was posted (the key's own messages): let it run first.
                if node.call_later(self._hop, chain, index, round_):
                    return
            elif node.call_later(self._hop, chain, index + 1, round_):
                return
            index += 1  # closed or closing: nothing more will run there
        if not self.app.call_later(self._settled, round_):
            self._in_flight = False

    async def _settled(self, round_: int) -> None:
        if round_ != self._round:
            return
        stalled = self._settling_since is not None and time.monotonic() - self._settling_since > STALL
        if not stalled and not self._screen_quiet():
            self._start_round()
            return
        self.stalls += stalled
        self._round += 1
        self._in_flight = False
        self._settling_since = None
        await self._deliver_next()

    def _screen_quiet(self) -> bool:
        try:
            screen = self.app.screen
        except Exception:
            return True
        if screen._callbacks:
            # Waiting for a repaint; after a screen closes in a burst none may be coming
            # (seen: the form's nav scroll waiting for ever), so ask for one.
            screen.refresh()
            return False
        for node in (screen, *screen.walk_children(with_self=False)):
            # A widget composes and mounts outside its queue: an empty queue on a dialog just
            # opened does not mean its list has its focus and highlight yet.
            if not node.is_mounted or not node._message_queue.empty() or node._next_callbacks:
                return False
        return True
