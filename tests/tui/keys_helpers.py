"""Keys delivered faster than the app handles them, as a paste, type-ahead or a laggy link does.

Pilot's `press()` waits for the app to go idle after every key, so it never shows what a
burst does. `burst()` hands every key to the driver at once (the path a terminal's input
takes): they all sit in the app's queue before the first is handled.
"""

from __future__ import annotations

import unicodedata

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key


def key_event(key: str) -> events.Key:
    """The event a terminal's byte(s) for `key` become (same rules as Pilot.press)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    original = REPLACED_KEYS.get(key, key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def burst(app, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Queue every key at once, without waiting for any of them to be handled."""
    driver = app._driver
    for key in keys:
        event = key_event(key)
        event.set_sender(app)
        driver.send_message(event)


async def until_keys_handled(pilot, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    """Pause until every queued key has been handled and the screen is quiet."""
    app = pilot.app

    def handled() -> bool:
        sequencer = getattr(app, "keys", None)
        return (sequencer is None or sequencer.idle) and app._message_queue.empty()

    waited = 0.0
    while waited < timeout:
        await pilot.pause(0.02)
        waited += 0.02
        if handled():
            await pilot.pause()
            if handled():
                return True
    return False


def why_keys_wait(app) -> str:  # type: ignore[no-untyped-def]
    """For a failure message: where the keys stopped."""
    if not app.is_running:
        # The app's own ending: a quit key, or a signal. A SIGTERM to the test process (a
        # `timeout` around a long run) runs the app's save-and-quit, which ends its loop
        # mid-burst: the test then waits for keys nobody handles any more.
        return f"the app ended (exit result {app.return_value!r}: 143 is SIGTERM, 129 SIGHUP)"
    sequencer = app.keys
    return f"last delivered {sequencer.delivering!r}, {len(sequencer.pending)} waiting"

