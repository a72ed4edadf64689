"""The prospect-page encoder gives what the response models give, value for value."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from chainscout.api import encode, models, views
from chainscout.graph.stores.base import GraphNode, GraphPath, GraphRelationship
from chainscout.queries import results

PAGE = TypeAdapter(models.Page[models.Prospect])

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**53, 2**53), st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True), st.dates(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)),
)
_values = st.one_of(_scalars, st.lists(_scalars, max_size=3))
_properties = st.dictionaries(
    st.sampled_from(["name", "legal_representative", "_segment_ids", "since", "lat", "tags",
                     "registered_capital", "status", "官方名称"]),
    _values, max_size=6)


def _node(label: str, key: str, properties: dict[str, Any]) -> GraphNode:
    return GraphNode(f"{label}:{key}", (label,), properties)


@st.composite
def _pages(draw: st.DrawFn) -> results.Page[results.Prospect]:
    anchor = _node("Enterprise", "A", draw(_properties))
    hub = _node(draw(st.sampled_from(["Park", "Person", "Association"])), "H", draw(_properties))
    items = []
    for i in range(draw(st.integers(0, 4))):
        peer = _node("Enterprise", f"P{i}", draw(_properties))
        rels = (GraphRelationship("LOCATED_IN", anchor.ref, hub.ref, draw(_properties)),
                GraphRelationship("LOCATED_IN", peer.ref, hub.ref, draw(_properties)))
        parts = tuple(results.ScorePart(draw(st.sampled_from(["chain_fit", "scale"])),
                                        draw(st.one_of(st.integers(0, 3), st.floats(0, 1))),
                                        draw(st.sampled_from([1, 2.5, 10.0])),
                                        draw(st.text(max_size=10)))
                      for _ in range(draw(st.integers(1, 3))))
        facts = draw(st.dictionaries(st.sampled_from(["via", "shared", "holder_name", "hops"]),
                                     _values, max_size=3))
        items.append(results.Prospect(peer, results.Score(parts),
                                      (GraphPath((anchor, hub, peer), rels),), facts))
    return results.Page(items, total=draw(st.integers(len(items), 99)), limit=20,
                        offset=draw(st.integers(0, 40)))


def _same(a: Any, b: Any) -> bool:
    """Equal JSON values, NaN-free (both sides write non-finite floats as null)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@settings(max_examples=200, deadline=None)
@given(page=_pages(), mask=st.booleans())
def test_encoded_page_is_what_the_response_model_dumps(page: results.Page[results.Prospect],
                                                       mask: bool) -> None:
    expected = json.loads(PAGE.dump_json(PAGE.validate_python(views.prospect_page(page, mask))))
    assert _same(json.loads(encode.prospect_page(page, mask)), expected)


def test_demo_like_page_is_byte_for_byte_the_model_dump() -> None:
    anchor = _node("Enterprise", "91310106462335569F",
                   {"name": "上海永明血液透析中心有限公司", "legal_representative": "周丹晶",
                    "registered_capital": 54.0, "established": "2015-02-22", "employees": 3,
                    "_segment_ids": ["biomed.healthcare"]})
    park = _node("Park", "310106-biomed-0271", {"name": "上海静安生物医药产业创新园",
                                                "lat": 31.252815, "leading_industries": ["biomed"]})
    peer = _node("Enterprise", "91310106755119261G", {"name": "上海丰思医学检验实验室生物医药有限公司",
                                                      "legal_representative": "黄忠",
                                                      "tags": ["high_tech"]})
    path = GraphPath((anchor, park, peer), (
        GraphRelationship("LOCATED_IN", anchor.ref, park.ref, {"since": "2023-01-11"}),
        GraphRelationship("LOCATED_IN", peer.ref, park.ref, {"since": dt.date(2013, 10, 14)})))
    score = results.Score((results.ScorePart("chain_fit", 1, 10, "in the anchor's segment"),
                           results.ScorePart("scale", 0.840829, 5.0, "registered capital")))
    page = results.Page([results.Prospect(peer, score, (path,), {"via": park.key,
                                                                  "shared": [park.key]})],
                        total=7, limit=20, offset=0)
    for mask in (False, True):
        expected = PAGE.dump_json(PAGE.validate_python(views.prospect_page(page, mask)))
        assert encode.prospect_page(page, mask) == expected
    masked = json.loads(encode.prospect_page(page, True))["items"][0]
    assert masked["enterprise"]["properties"]["legal_representative"] == "黄*"
    assert "_segment_ids" not in masked["paths"][0]["nodes"][0]["properties"]


@settings(max_examples=50, deadline=None)
@given(page=_pages(), mask=st.booleans(), radius=st.floats(0.1, 50))
def test_a_model_reply_is_the_model_with_its_pages(page: results.Page[results.Prospect],
                                                   mask: bool, radius: float) -> None:
    from chainscout.api.routers.geo import MapProspects, Point

    branch = views.node(_node("Branch", "B1", {"name": "支行", "lat": 31.2}), mask)
    fields = {"center": Point(lat=31.2, lng=121.5), "radius_km": radius, "branch": branch,
              "truncated": False}
    expected = MapProspects(**fields, prospects=views.prospect_page(page, mask))
    reply = encode.model_reply(MapProspects, mask, {"prospects": page}, **fields)
    body = json.loads(reply.body)
    assert list(body) == list(MapProspects.model_fields)  # the model's order
    assert _same(body, json.loads(expected.model_dump_json()))


def test_a_model_reply_validates_the_other_fields() -> None:
    from pydantic import ValidationError

    from chainscout.api.routers.geo import MapProspects, Point

    with pytest.raises(ValidationError):
        encode.model_reply(MapProspects, False, {"prospects": results.Page([], 0, 20, 0)},
                           center=Point(lat=1, lng=2), radius_km="far", branch=None,
                           truncated=False)
