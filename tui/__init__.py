"""The terminal app and the `mlreq` command line; depends on bank and projects, never back."""
