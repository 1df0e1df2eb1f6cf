"""Keep the app alive when the terminal sends bytes that are not UTF-8.

Textual's Linux driver decodes key input with a strict UTF-8 decoder: one 0xff byte (a
Latin-1 terminal's "ÿ", line noise over SSH) raises in its input thread and the app
panics and exits, losing what was typed since the last draft. Decoding with
errors="replace" turns such a byte into U+FFFD, which lands in the answer like any
other character and can be deleted.
"""

from __future__ import annotations

import codecs
import functools


def tolerate_undecodable_input() -> None:
    """Make Textual's Linux driver decode terminal input with errors="replace"."""
    try:
        from textual.drivers import linux_driver
    except ImportError:  # not on a POSIX system: another driver, another decoder
        return
    if getattr(linux_driver, "getincrementaldecoder", None) is not codecs.getincrementaldecoder:
        return  # already done, or Textual changed how it decodes: leave it alone

    def replacing_decoder(encoding: str):  # type: ignore[no-untyped-def]
        return functools.partial(codecs.getincrementaldecoder(encoding), errors="replace")

    linux_driver.getincrementaldecoder = replacing_decoder  # type: ignore[attr-defined]
