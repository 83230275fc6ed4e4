"""All registers of §2, by key, in the order they are processed (master data first: others look it up)."""

from __future__ import annotations

from .callins import CALLINS
from .contracts import CONTRACTS
from .customers import CUSTOMERS
from .demand import DEMAND
from .items import ITEMS
from .master import MASTER
from .model import Column, Kind, Register, SheetModel
from .worklog import WORKLOG

REGISTERS: dict[str, Register] = {
    r.key: r for r in (MASTER, CUSTOMERS, DEMAND, CONTRACTS, CALLINS, ITEMS, WORKLOG)
}

__all__ = ["REGISTERS", "Column", "Kind", "Register", "SheetModel"]
