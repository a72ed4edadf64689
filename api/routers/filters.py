"""The enterprise-list filters shared by peers and strategies, as query parameters."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Query

from chainscout.queries.market import EnterpriseFilter


class Tag(StrEnum):
    """Theme tags of enterprises (``graph.model.ENTERPRISE_TAGS``)."""

    listed = "listed"
    high_tech = "high_tech"
    state_owned = "state_owned"
    foreign = "foreign"
    top100 = "top100"
    green = "green"
    specialized = "specialized"


class Size(StrEnum):
    micro = "micro"
    small = "small"
    medium = "medium"
    large = "large"


@dataclass(frozen=True)
class Filters:
    value: EnterpriseFilter


async def enterprise_filter(
    tags: Annotated[list[Tag] | None, Query(description="Theme tags all required.")] = None,
    sizes: Annotated[list[Size] | None, Query(description="Any of these size classes.")] = None,
    district: Annotated[str | None, Query(pattern=r"^[0-9]{1,6}$",
                                          description="Prefix of the division code.")] = None,
    customer: Annotated[bool | None, Query(
        description="true: customers only; false: non-customers only.")] = None,
    include_inactive: Annotated[bool, Query(
        description="Also list enterprises whose status is not active.")] = False,
) -> Filters:
    return Filters(EnterpriseFilter(
        tags=tuple(t.value for t in tags or ()), sizes=tuple(s.value for s in sizes or ()),
        district=district, customer=customer, include_inactive=include_inactive))


FiltersDep = Annotated[Filters, Depends(enterprise_filter)]


async def prospect_filter(
    tags: Annotated[list[Tag] | None, Query(description="Theme tags all required.")] = None,
    sizes: Annotated[list[Size] | None, Query(description="Any of these size classes.")] = None,
    district: Annotated[str | None, Query(pattern=r"^[0-9]{1,6}$",
                                          description="Prefix of the division code.")] = None,
    include_inactive: Annotated[bool, Query(
        description="Also list enterprises whose status is not active.")] = False,
) -> Filters:
    """The filters of lists that hold non-customers only (strategies): no `customer` filter."""
    return await enterprise_filter(tags, sizes, district, None, include_inactive)


ProspectFiltersDep = Annotated[Filters, Depends(prospect_filter)]
