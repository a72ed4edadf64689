"""The one declarative graph model: labels, relationship types, keys, properties and indexes.

Everything store-specific is derived from here: schema statements (``graph.schema``), the loaders'
batched upserts (``graph.upsert``), the allow-list of labels and relationship types that queries may
name, and the analyst-facing model document (``graph.docs``). Adding a property means adding it here
and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache


class PropType(StrEnum):
    """Property value types that both stores hold natively.

    Dates are ISO-8601 strings (``YYYY-MM-DD``): they sort and compare correctly on both stores, which
    share no temporal type with identical semantics.
    """

    STRING = "string"
    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATE = "date"
    STRING_LIST = "string[]"


@dataclass(frozen=True)
class Property:
    name: str
    type: PropType
    description: str
    required: bool = False
    indexed: bool = False
    unit: str | None = None


@dataclass(frozen=True)
class NodeType:
    """A node label. ``properties`` are loaded from input; ``derived`` are computed from the graph
    after every load (``loaders/derive.py``) so queries read one property instead of expanding
    relationships per node. Loaders, upserts and content hashes never see derived properties; their
    names start with ``_`` like the bookkeeping, so API responses leave them out too."""

    label: str
    key: str
    description: str
    properties: tuple[Property, ...]
    derived: tuple[Property, ...] = ()

    def prop(self, name: str) -> Property:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(f"{self.label} has no property {name!r}")

    @property
    def key_property(self) -> Property:
        return self.prop(self.key)

    @property
    def indexed_properties(self) -> tuple[str, ...]:
        """Properties that get a plain (range / exact-match) index besides the unique key."""
        return tuple(p.name for p in (*self.properties, *self.derived)
                     if p.indexed and p.name != self.key)


@dataclass(frozen=True)
class RelType:
    """A relationship type between two labels.

    ``merge_keys`` are relationship properties that tell parallel relationships of the same type
    apart (an officer can be both director and legal representative of one company); without them
    there is at most one relationship of this type between two nodes.
    """

    type: str
    source: str
    target: str
    description: str
    properties: tuple[Property, ...] = ()
    merge_keys: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Unique spec name: one type may connect several label pairs (Person or Enterprise holders)."""
        return f"{self.source}-{self.type}->{self.target}"

    def prop(self, name: str) -> Property:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(f"{self.type} has no property {name!r}")


@dataclass(frozen=True)
class GraphModel:
    nodes: tuple[NodeType, ...]
    relationships: tuple[RelType, ...]
    bookkeeping: tuple[Property, ...] = field(default=())

    def node(self, label: str) -> NodeType:
        for node in self.nodes:
            if node.label == label:
                return node
        raise KeyError(f"unknown node label {label!r}; known: {', '.join(self.labels)}")

    def relationship(self, type_: str, source: str, target: str) -> RelType:
        for rel in self.relationships:
            if (rel.type, rel.source, rel.target) == (type_, source, target):
                return rel
        raise KeyError(f"unknown relationship ({source})-[:{type_}]->({target})")

    def relationships_of_type(self, type_: str) -> tuple[RelType, ...]:
        found = tuple(r for r in self.relationships if r.type == type_)
        if not found:
            raise KeyError(f"unknown relationship type {type_!r}; known: {', '.join(self.rel_types)}")
        return found

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(n.label for n in self.nodes)

    @property
    def rel_types(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.type for r in self.relationships))

    def check_label(self, label: str) -> str:
        """Allow-list gate: the only way a label reaches Cypher text."""
        if label not in self.labels:
            raise ValueError(f"label {label!r} is not in the graph model")
        return label

    def check_rel_type(self, type_: str) -> str:
        """Allow-list gate: the only way a relationship type reaches Cypher text."""
        if type_ not in self.rel_types:
            raise ValueError(f"relationship type {type_!r} is not in the graph model")
        return type_

    def key_of(self, label: str) -> str:
        return self.node(label).key


def _p(
    name: str,
    type_: PropType,
    description: str,
    *,
    required: bool = False,
    indexed: bool = False,
    unit: str | None = None,
) -> Property:
    return Property(name, type_, description, required=required, indexed=indexed, unit=unit)


STR, INT, FLT, BOOL, DATE, LIST = (
    PropType.STRING,
    PropType.INTEGER,
    PropType.FLOAT,
    PropType.BOOLEAN,
    PropType.DATE,
    PropType.STRING_LIST,
)

#: Tag vocabulary of enterprises; the theme groups of coverage reports.
ENTERPRISE_TAGS = (
    "listed",
    "high_tech",
    "state_owned",
    "foreign",
    "top100",
    "green",
    "specialized",  # 专精特新
)

ENTERPRISE = NodeType(
    "Enterprise",
    key="uscc",
    description="A registered enterprise (企业), keyed by its unified social credit code.",
    properties=(
        _p("uscc", STR, "Unified social credit code (统一社会信用代码), 18 chars", required=True),
        _p("name", STR, "Registered name (企业名称)", required=True, indexed=True),
        _p("status", STR, "Registration status: active, revoked, cancelled, moved, liquidating"),
        _p("registered_capital", FLT, "Registered capital (注册资本)", unit="CNY 10k (万元)"),
        _p("established", DATE, "Establishment date (成立日期)"),
        _p("industry_code", STR, "GB/T 4754-2017 class (4 digits)", indexed=True),
        _p("address", STR, "Registered address (注册地址)"),
        _p("district_code", STR, "6-digit administrative division code", indexed=True),
        _p("lat", FLT, "Latitude (WGS-84); indexed for the map's bounding box", indexed=True,
           unit="degrees"),
        _p("lng", FLT, "Longitude (WGS-84)", unit="degrees"),
        _p("tags", LIST, f"Theme tags: {', '.join(ENTERPRISE_TAGS)}"),
        _p("size", STR, "Size class: micro, small, medium, large"),
        _p("employees", INT, "Insured employees (参保人数)"),
        _p("legal_representative", STR, "Name of the legal representative (法定代表人); PII"),
    ),
    derived=(
        _p("_is_customer", BOOL, "Derived: true when it has a CUSTOMER_OF relationship (absent "
           "otherwise); lets market queries rank a park or segment without expanding every member"),
        _p("_segment_ids", LIST, "Derived: sorted ids of its chain segments (IN_SEGMENT), absent "
           "when none; chain fit without expanding every member"),
    ),
)

PERSON = NodeType(
    "Person",
    key="person_id",
    description="A natural person: shareholder, officer or legal representative.",
    properties=(
        _p("person_id", STR, "Stable pseudonymous id from the source (never an ID-card number)",
           required=True),
        _p("name", STR, "Full name; PII, masked for roles without PII rights", required=True),
        _p("nationality", STR, "ISO 3166-1 alpha-2 code"),
    ),
)

INDUSTRY = NodeType(
    "Industry",
    key="code",
    description="A GB/T 4754-2017 category (section, division, group or class).",
    properties=(
        _p("code", STR, "Category code (A, 01, 011, 0111)", required=True),
        _p("name", STR, "Chinese name", required=True),
        _p("level", INT, "1 section, 2 division, 3 group, 4 class", required=True),
        _p("section", STR, "Section letter A–T", required=True),
    ),
)

INDUSTRY_CHAIN = NodeType(
    "IndustryChain",
    key="chain_id",
    description="An industry chain (产业链), e.g. integrated circuits.",
    properties=(
        _p("chain_id", STR, "Short ascii id, e.g. ic", required=True),
        _p("name", STR, "Chinese name", required=True),
        _p("name_en", STR, "English name"),
        _p("description", STR, "What the chain covers"),
    ),
)

CHAIN_SEGMENT = NodeType(
    "ChainSegment",
    key="segment_id",
    description="A segment (环节) of an industry chain, mapped to GB/T 4754 classes and keywords.",
    properties=(
        _p("segment_id", STR, "Id, e.g. ic.design", required=True),
        _p("name", STR, "Chinese name", required=True),
        _p("name_en", STR, "English name"),
        _p("chain_id", STR, "Chain the segment belongs to", required=True, indexed=True),
        _p("position", STR, "upstream, midstream or downstream"),
        _p("keywords", LIST, "Name / business-scope keywords that map enterprises here"),
    ),
)

PARK = NodeType(
    "Park",
    key="park_id",
    description="An industrial park (产业园区) with a location.",
    properties=(
        _p("park_id", STR, "Stable id", required=True),
        _p("name", STR, "Park name", required=True, indexed=True),
        _p("level", STR, "national, provincial, municipal or district"),
        _p("district_code", STR, "6-digit administrative division code", indexed=True),
        _p("lat", FLT, "Centre latitude", unit="degrees"),
        _p("lng", FLT, "Centre longitude", unit="degrees"),
        _p("boundary", STR, "Optional boundary polygon as WKT"),
        _p("leading_industries", LIST, "Chain ids the park focuses on"),
        _p("area_km2", FLT, "Planned area", unit="km²"),
    ),
)

ASSOCIATION = NodeType(
    "Association",
    key="association_id",
    description="An industry association or chamber (行业协会/商会): a referral channel.",
    properties=(
        _p("association_id", STR, "Stable id", required=True),
        _p("name", STR, "Name", required=True),
        _p("district_code", STR, "Where it is registered", indexed=True),
        _p("chain_ids", LIST, "Chains its members mostly belong to"),
    ),
)

BRANCH = NodeType(
    "Branch",
    key="branch_id",
    description="A bank branch or sub-branch (支行) with a location.",
    properties=(
        _p("branch_id", STR, "Bank's branch code", required=True),
        _p("name", STR, "Branch name", required=True),
        _p("level", STR, "head, branch or sub_branch"),
        _p("district_code", STR, "6-digit administrative division code", indexed=True),
        _p("lat", FLT, "Latitude", unit="degrees"),
        _p("lng", FLT, "Longitude", unit="degrees"),
        _p("parent_id", STR, "Parent branch code"),
    ),
)

EVENT = NodeType(
    "Event",
    key="event_id",
    description="A business-opportunity event (商机事件) on an enterprise, external or internal.",
    properties=(
        _p("event_id", STR, "Stable id from the feed", required=True),
        _p("type", STR, "Event type code from the event catalogue", required=True, indexed=True),
        _p("date", DATE, "When it happened", required=True, indexed=True),
        _p("title", STR, "Short description"),
        _p("amount", FLT, "Amount involved, if any", unit="CNY 10k (万元)"),
        _p("source", STR, "Where the event came from (feed name)"),
    ),
)

EVENT_TYPE = NodeType(
    "EventType",
    key="code",
    description="An entry of the event catalogue, so analysts can join events to their signals.",
    properties=(
        _p("code", STR, "Event type code", required=True),
        _p("name", STR, "Chinese name", required=True),
        _p("name_en", STR, "English name"),
        _p("category", STR, "Category"),
        _p("product_signals", LIST, "Bank products the event points at"),
        _p("value_tier", INT, "1 (low) to 5 (high)"),
        _p("base_value", FLT, "Base value 0–100 used in ranking"),
    ),
)

LOAD_SOURCE = NodeType(
    "LoadSource",
    key="name",
    description="An input source of one record kind as last loaded: the names behind the `_source` "
    "and `_snapshot` tags on every item it loaded (MATCH (s:LoadSource {tag: n._source})).",
    properties=(
        _p("name", STR, "<source>:<kind> (the load's source name and the record kind), or "
           "'reference' for the shipped reference data", required=True),
        _p("tag", INT, "The `_source` of the items it loaded", required=True),
        _p("snapshot", STR, "Snapshot id of its last load (`--snapshot`, or sha- and a hash of the "
           "input files)", required=True),
        _p("snapshot_tag", INT, "The `_snapshot` of the items its last load wrote or saw again",
           required=True),
    ),
)

SHARE_PROPS = (
    _p("percentage", FLT, "Share of registered capital held", unit="%"),
    _p("amount", FLT, "Subscribed capital", unit="CNY 10k (万元)"),
    _p("since", DATE, "Date the holding was registered"),
)

RELATIONSHIPS: tuple[RelType, ...] = (
    RelType("HOLDS_SHARES", "Person", "Enterprise", "Registered shareholding (股东)", SHARE_PROPS),
    RelType("HOLDS_SHARES", "Enterprise", "Enterprise", "Registered shareholding (股东)",
            SHARE_PROPS),
    RelType("INVESTS_IN", "Enterprise", "Enterprise", "Outbound investment (对外投资), e.g. a round",
            (_p("amount", FLT, "Amount invested", unit="CNY 10k (万元)"),
             _p("date", DATE, "Date of the investment"),
             _p("round", STR, "Financing round, if any"))),
    RelType("CONTROLS", "Enterprise", "Enterprise",
            "Parent controls subsidiary (控股/实际控制), from consolidated reports",
            (_p("basis", STR, "majority_shares, agreement or consolidated"),)),
    RelType("OFFICER_OF", "Person", "Enterprise", "Officer role, incl. legal representative",
            (_p("role", STR, "legal_representative, chairman, director, supervisor, "
                "general_manager, cfo", required=True),
             _p("since", DATE, "Appointment date")),
            merge_keys=("role",)),
    RelType("SUPPLIES", "Enterprise", "Enterprise", "Supplier to customer (供应链上下游)",
            (_p("amount", FLT, "Annual contract value", unit="CNY 10k (万元)"),
             _p("since", DATE, "First contract date"))),
    RelType("IN_SEGMENT", "Enterprise", "ChainSegment", "Enterprise works in a chain segment",
            (_p("basis", STR, "industry_code, keyword or manual"),
             _p("confidence", FLT, "0–1"))),
    RelType("PART_OF", "ChainSegment", "IndustryChain", "Segment belongs to a chain"),
    RelType("UPSTREAM_OF", "ChainSegment", "ChainSegment",
            "Supplier segment to buyer segment (上游 → 下游)"),
    RelType("MAPS_TO", "ChainSegment", "Industry", "GB/T 4754 classes that define a segment"),
    RelType("CLASSIFIED_AS", "Enterprise", "Industry", "Enterprise's registered industry class"),
    RelType("SUBCLASS_OF", "Industry", "Industry", "GB/T 4754 hierarchy, child to parent"),
    RelType("LOCATED_IN", "Enterprise", "Park", "Park membership (入驻)",
            (_p("since", DATE, "Move-in date"),)),
    RelType("FOCUSES_ON", "Park", "IndustryChain", "Park's leading industries (主导产业)"),
    RelType("MEMBER_OF", "Enterprise", "Association", "Association membership",
            (_p("role", STR, "member, director, vice_president, president"),
             _p("since", DATE, "Joined"))),
    RelType("CUSTOMER_OF", "Enterprise", "Branch", "Existing bank customer, served by a branch",
            (_p("manager_id", STR, "Relationship manager's staff id"),
             _p("since", DATE, "Customer since"),
             _p("products", LIST, "Products held"),
             _p("loan_maturity", DATE, "Nearest loan maturity"),
             _p("signals", LIST, "Transaction signals from core systems"))),
    RelType("SUB_BRANCH_OF", "Branch", "Branch", "Branch hierarchy"),
    RelType("CONCERNS", "Event", "Enterprise", "The event's subject enterprise"),
    RelType("INVOLVES", "Event", "Enterprise", "Other enterprises in the event (counterparty)",
            (_p("role", STR, "counterparty, investee, issuer, winner", required=True),),
            merge_keys=("role",)),
    RelType("OF_TYPE", "Event", "EventType", "Event's catalogue entry"),
)

#: Properties every loaded node and relationship carries, for idempotent and incremental loads.
BOOKKEEPING = (
    _p("_hash", INT, "64-bit content hash of the loaded properties: unchanged rows are not "
       "rewritten"),
    _p("_snapshot", INT, "Tag of the snapshot the item was last seen in: stale items can be "
       "removed (the snapshot's name is on its LoadSource node)"),
    _p("_source", INT, "Tag of the input source (<source>:<kind>) that loaded it: the `tag` of "
       "its LoadSource node"),
)


@cache
def graph_model() -> GraphModel:
    model = GraphModel(
        nodes=(ENTERPRISE, PERSON, INDUSTRY, INDUSTRY_CHAIN, CHAIN_SEGMENT, PARK, ASSOCIATION,
               BRANCH, EVENT, EVENT_TYPE, LOAD_SOURCE),
        relationships=RELATIONSHIPS,
        bookkeeping=BOOKKEEPING,
    )
    _check(model)
    return model


def _check(model: GraphModel) -> None:
    """Fail at import on an inconsistent model rather than with odd Cypher later."""
    labels = set(model.labels)
    if len(labels) != len(model.nodes):
        raise ValueError("duplicate node label in model")
    for node in model.nodes:
        node.key_property  # noqa: B018 - raises if the key is not a declared property
        loaded = {p.name for p in node.properties} | {p.name for p in model.bookkeeping}
        if any(p.name in loaded or not p.name.startswith("_") for p in node.derived):
            raise ValueError(f"{node.label}: derived properties start with _ and shadow nothing")
        if not node.key_property.required:
            raise ValueError(f"{node.label}.{node.key} is the key and must be required")
    names = [r.name for r in model.relationships]
    if len(names) != len(set(names)):
        raise ValueError("duplicate relationship spec in model")
    for rel in model.relationships:
        if rel.source not in labels or rel.target not in labels:
            raise ValueError(f"{rel.name} connects an unknown label")
        for key in rel.merge_keys:
            rel.prop(key)
