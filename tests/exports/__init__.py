"""Exports: every format read back by an independent reader."""
