"""Peers of an enterprise: same park, chain segment, association or corporate group."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from chainscout.queries import peers
from chainscout.queries.market import NotFound as MarketNotFound

from .. import encode, models
from ..auth import Principal
from ..deps import ANY_ROLE, PagingDep, PeerIndexDep, StoreDep
from .common import READ, module_errors
from .filters import FiltersDep

router = APIRouter(tags=["peers"])


class PeerKind(StrEnum):
    park = "park"
    chain = "chain"
    association = "association"
    group = "group"


_KINDS = {
    PeerKind.park: peers.PeerKind.PARK,
    PeerKind.chain: peers.PeerKind.SEGMENT,
    PeerKind.association: peers.PeerKind.ASSOCIATION,
    PeerKind.group: peers.PeerKind.GROUP,
}


@router.get(
    "/enterprises/{uscc}/peers/{kind}",
    summary="Peers of an enterprise by park, chain, association or corporate group",
    response_model=models.Page[models.Prospect],
    responses=READ,
)
def enterprise_peers(
    uscc: Annotated[str, Path(pattern=models.USCC_PATTERN, description="The anchor's USCC.")],
    kind: Annotated[PeerKind, Path(description="`park`: same park; `chain`: same or adjacent "
                                               "chain segment; `association`: same association; "
                                               "`group`: same corporate group.")],
    store: StoreDep,
    index: PeerIndexDep,
    page: PagingDep,
    filters: FiltersDep,
    principal: Annotated[Principal, Depends(ANY_ROLE)],
    max_depth: Annotated[int, Query(ge=1, le=8, description="Group search depth.")] = 4,
    via_persons: Annotated[bool, Query(description="Group: follow persons holding "
                                                   "majorities.")] = True,
) -> encode.JSONBytes:
    """Ranked by chain fit, scale and not-yet-customer (group peers also by control-path
    strength), ties to the lower USCC. Each peer carries the path that links it to the anchor."""
    with module_errors(MarketNotFound):
        result = peers.peers(store, uscc, _KINDS[kind], filters=filters.value, limit=page.limit,
                             offset=page.offset, max_depth=max_depth, via_persons=via_persons,
                             index=index)
    return encode.JSONBytes(encode.prospect_page(result, principal.masks_pii))
