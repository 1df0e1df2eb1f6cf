"""The installed `mlreq` package: its root only.

The code lives in the repository's top-level folders, installed under this one distinctive
name (see `[tool.setuptools.package-dir]` in pyproject.toml): `bank/` as `mlreq.bank`,
`projects/` as `mlreq.projects`, `tui/` as `mlreq.tui`. Nothing named `bank`, `projects`
or `tui` lands in site-packages, and no folder in a project's work tree can stand in for
mlreq's own modules.
"""
