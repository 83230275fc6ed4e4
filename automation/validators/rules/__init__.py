"""Row and cross-register rules: one module per register, each exporting ``RULES``, a tuple of plain functions
``rule(ctx) -> Iterable[Problem]``. The engine runs every function of the register; one that crashes becomes a
single SYS001 problem and the others still run."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ...problems import Problem
from ..context import Context
from . import callins, contracts, customers, demand, items, master, worklog

Rule = Callable[[Context], Iterable[Problem]]

RULES: dict[str, tuple[Rule, ...]] = {
    "master": master.RULES,
    "customers": customers.RULES,
    "demand": demand.RULES,
    "contracts": contracts.RULES,
    "callins": callins.RULES,
    "items": items.RULES,
    "worklog": worklog.RULES,
}
