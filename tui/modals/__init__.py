"""Dialogs pushed over a screen; each returns its choice through `dismiss`."""
