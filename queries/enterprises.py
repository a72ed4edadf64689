"""Enterprise lookup for the API: one enterprise by USCC, and a paged name search.

The search matches names containing the fragment (``CONTAINS``, case as given) and orders
deterministically: the exact name first, then names starting with the fragment, then the rest,
each by name and USCC. It scans every enterprise name (neither store indexes ``CONTAINS``); a
fragment shaped like a USCC is looked up by key instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chainscout.graph.stores.base import GraphNode, GraphStore

from .market import as_int, check_page, str_list
from .results import Page
from .runner import run_named

#: 18 characters of digits and upper-case letters (without I, O, S, V, Z), as GB 32100-2015 has it.
_USCC = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}$")


@dataclass(frozen=True)
class EnterpriseProfile:
    enterprise: GraphNode
    parks: tuple[str, ...]
    segments: tuple[str, ...]
    associations: tuple[str, ...]
    branches: tuple[str, ...]

    @property
    def uscc(self) -> str:
        return self.enterprise.key

    @property
    def is_customer(self) -> bool:
        return bool(self.branches)


def looks_like_uscc(text: str) -> bool:
    return bool(_USCC.match(text.strip().upper()))


def enterprise(store: GraphStore, uscc: str) -> EnterpriseProfile | None:
    """The enterprise with this USCC and the ids of its parks, segments, associations and serving
    branches (sorted), or None."""
    rows = run_named(store, "enterprise_by_uscc", {"uscc": uscc.strip()})
    if not rows:
        return None
    row = rows[0]
    return EnterpriseProfile(row["enterprise"], str_list(row["parks"]),
                             str_list(row["segments"]), str_list(row["associations"]),
                             str_list(row["branches"]))


def search_enterprises(
    store: GraphStore, text: str, *, limit: int = 20, offset: int = 0
) -> Page[GraphNode]:
    """Enterprises whose name contains ``text`` (or whose USCC it is), one page plus the total."""
    check_page(limit, offset)
    fragment = text.strip()
    if not fragment:
        raise ValueError("give a name fragment or a USCC")
    if looks_like_uscc(fragment):
        profile = enterprise(store, fragment.upper())
        if profile is not None:
            items = [profile.enterprise] if offset == 0 else []
            return Page(items, 1, limit, offset)
    rows = run_named(store, "enterprise_search", {"q": fragment, "skip": offset, "limit": limit})
    if not rows:
        return Page([], 0, limit, offset)
    found: list[GraphNode] = list(rows[0]["page"] or [])
    return Page(found, as_int(rows[0]["total"]), limit, offset)
