"""`python -m mlreq`: the same as the `mlreq` command."""

from mlreq.tui.cli import main

main()
