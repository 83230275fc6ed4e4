"""``python -m automation``: the same as the ``automation`` command."""

from .cli import run

run()
