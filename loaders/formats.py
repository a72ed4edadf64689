"""The record kinds of the input files, derived from the graph model.

Each kind (``enterprises``, ``shareholdings`` …) is one input file. Its fields take their type, whether
they are required, their description and unit from the property of the graph model they fill; this
module adds only what the model does not say: the example, the vocabulary of coded fields, the checks
(:class:`Rule`) and which node or relationships a row becomes (:class:`NodeTarget`,
:class:`RelTarget`). ``docs/input-formats.md`` documents the same table and a unit test keeps the two
in step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from chainscout.graph.model import ENTERPRISE_TAGS, GraphModel, PropType, RelType, graph_model

#: File formats by extension.
EXTENSIONS: Mapping[str, str] = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}

#: The separator of list values inside one CSV cell.
LIST_SEPARATOR = ";"

ENTERPRISE_STATUSES = ("active", "revoked", "cancelled", "moved", "liquidating")
ENTERPRISE_SIZES = ("micro", "small", "medium", "large")
PARK_LEVELS = ("national", "provincial", "municipal", "district")
BRANCH_LEVELS = ("head", "branch", "sub_branch")
OFFICER_ROLES = (
    "legal_representative", "chairman", "director", "supervisor", "general_manager", "cfo",
)
SEGMENT_BASES = ("industry_code", "keyword", "manual")
CONTROL_BASES = ("majority_shares", "agreement", "consolidated")
MEMBER_ROLES = ("member", "director", "vice_president", "president")
INVOLVEMENT_ROLES = ("counterparty", "investee", "issuer", "winner")
HOLDER_TYPES = ("person", "enterprise")


class Rule(StrEnum):
    """A check beyond the field's type."""

    USCC = "uscc"  # 18 characters, valid check character (GB 32100-2015)
    GBT_CLASS = "gbt_class"  # a 4-digit class of GB/T 4754-2017
    DISTRICT = "district"  # 6-digit administrative division code
    LAT = "lat"  # latitude inside China's bounds
    LNG = "lng"  # longitude inside China's bounds
    PERCENT = "percent"  # 0–100, "%" allowed
    NONNEG = "nonneg"  # ≥ 0
    UNIT_INTERVAL = "unit_interval"  # 0–1
    MONEY = "money"  # ≥ 0, in 万元; "500万元", "3亿元", "120万美元" (with a rate) are converted
    COUNTRY = "country"  # ISO 3166-1 alpha-2
    CHAIN = "chain"  # chain ids of chains.yaml
    SEGMENT = "segment"  # segment ids of chains.yaml
    EVENT_TYPE = "event_type"  # codes of event_types.yaml
    WKT_POLYGON = "wkt_polygon"  # POLYGON or MULTIPOLYGON in WKT


#: Bounds of China (incl. the South China Sea islands), WGS-84 degrees.
CHINA_LAT = (3.8, 53.6)
CHINA_LNG = (73.4, 135.1)


@dataclass(frozen=True)
class Field:
    """One column of an input file."""

    name: str
    type: PropType
    required: bool
    description: str
    example: str
    unit: str | None = None
    choices: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    #: Not stored on its own: selects a relationship or feeds a derivation.
    input_only: bool = False

    @property
    def is_list(self) -> bool:
        return self.type is PropType.STRING_LIST


@dataclass(frozen=True)
class NodeTarget:
    """The node a row becomes: ``label`` keyed by ``key_field``, properties from fields."""

    label: str
    key_field: str
    props: tuple[tuple[str, str], ...]  # (property, field)


@dataclass(frozen=True)
class RelTarget:
    """A relationship a row becomes, from the node named by ``src_field`` to ``dst_field``'s."""

    type: str
    source: str
    target: str
    src_field: str
    dst_field: str
    props: tuple[tuple[str, str], ...] = ()  # (property, field)
    #: Only rows whose ``field`` equals ``value`` (``holder_type = person``).
    when: tuple[str, str] | None = None
    #: ``dst_field`` may be empty: no relationship then.
    optional: bool = False
    #: ``dst_field`` is a list: one relationship per element.
    explode: bool = False

    @property
    def name(self) -> str:
        return f"{self.source}-{self.type}->{self.target}"

    def spec(self, model: GraphModel | None = None) -> RelType:
        return (model or graph_model()).relationship(self.type, self.source, self.target)


@dataclass(frozen=True)
class RecordKind:
    """One kind of input record: its file's fields and what each row becomes in the graph."""

    name: str
    description: str
    fields: tuple[Field, ...]
    #: Fields that identify a row; a second row with the same values is a duplicate.
    identity: tuple[str, ...]
    node: NodeTarget | None = None
    relationships: tuple[RelTarget, ...] = ()
    #: Enterprises also join chain segments derived from their class and keywords.
    derive_segments: bool = False
    #: Rows of this kind are checked together: total ownership per held company.
    ownership_total: bool = False

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def references(self) -> list[tuple[str, str, tuple[str, str] | None]]:
        """``(field, label, when)`` for every field that names another node by its key."""
        own = (self.node.key_field, self.node.label) if self.node else None
        refs: list[tuple[str, str, tuple[str, str] | None]] = []
        for rel in self.relationships:
            for fname, label in ((rel.src_field, rel.source), (rel.dst_field, rel.target)):
                if (fname, label) == own:
                    continue
                ref = (fname, label, rel.when)
                if ref not in refs:
                    refs.append(ref)
        return refs

    def targets(self) -> list[str]:
        """Names of the node and relationship specs rows of this kind write."""
        names = [self.node.label] if self.node else []
        names += [r.name for r in self.relationships]
        if self.derive_segments:
            names.append("Enterprise-IN_SEGMENT->ChainSegment")
        return names


# -- field details the model does not carry ----------------------------------------------------

_EXAMPLES: Mapping[str, str] = {
    "uscc": "91310115MA1K4B2X1X",
    "name": "上海芯微半导体有限公司",
    "status": "active",
    "registered_capital": "5000",
    "established": "2015-06-18",
    "industry_code": "3973",
    "address": "上海市浦东新区张江路100号",
    "district_code": "310115",
    "lat": "31.2035",
    "lng": "121.5904",
    "tags": "high_tech;specialized",
    "size": "small",
    "employees": "120",
    "legal_representative": "张伟",
    "business_scope": "集成电路设计；半导体器件销售",
    "person_id": "P000123",
    "nationality": "CN",
    "holder_type": "person",
    "holder_id": "P000123",
    "held_uscc": "91310115MA1K4B2X1X",
    "percentage": "35.5",
    "amount": "1200",
    "since": "2019-03-01",
    "investor_uscc": "91310000132200821H",
    "investee_uscc": "91310115MA1K4B2X1X",
    "date": "2023-04-12",
    "round": "B",
    "parent_uscc": "91310000132200821H",
    "subsidiary_uscc": "91310115MA1K4B2X1X",
    "basis": "majority_shares",
    "role": "director",
    "supplier_uscc": "91310000132200821H",
    "customer_uscc": "91310115MA1K4B2X1X",
    "segment_id": "ic.design",
    "confidence": "0.8",
    "park_id": "PK-SH-ZJ",
    "level": "national",
    "boundary": "POLYGON((121.58 31.19,121.62 31.19,121.62 31.22,121.58 31.19))",
    "leading_industries": "ic;ai",
    "area_km2": "94.3",
    "association_id": "AS-SH-IC",
    "chain_ids": "ic",
    "branch_id": "B310115001",
    "parent_id": "B310000000",
    "manager_id": "RM0421",
    "products": "credit;settlement",
    "loan_maturity": "2025-09-30",
    "signals": "payroll_growth",
    "event_id": "EV2024000123",
    "type": "government_bid_won",
    "title": "中标张江科学城智算中心设备采购项目",
    "source": "ccgp",
    "counterparty_uscc": "91310000132200821H",
    "counterparty_role": "counterparty",
}

#: Examples where the owner (label or relationship type) changes what a good one looks like.
_OWNER_EXAMPLES: Mapping[tuple[str, str], str] = {
    ("Person", "name"): "王芳",
    ("Park", "name"): "张江科学城",
    ("Association", "name"): "上海市集成电路行业协会",
    ("Branch", "name"): "链通银行上海张江支行",
    ("Branch", "level"): "sub_branch",
    ("Branch", "district_code"): "310115",
    ("MEMBER_OF", "role"): "member",
    ("IN_SEGMENT", "basis"): "manual",
    ("INVESTS_IN", "amount"): "20000",
    ("SUPPLIES", "amount"): "850",
}


def _example(owner: str, name: str) -> str:
    return _OWNER_EXAMPLES.get((owner, name)) or _EXAMPLES[name]


_CHOICES: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("Enterprise", "status"): ENTERPRISE_STATUSES,
    ("Enterprise", "size"): ENTERPRISE_SIZES,
    ("Enterprise", "tags"): ENTERPRISE_TAGS,
    ("Park", "level"): PARK_LEVELS,
    ("Branch", "level"): BRANCH_LEVELS,
    ("OFFICER_OF", "role"): OFFICER_ROLES,
    ("IN_SEGMENT", "basis"): SEGMENT_BASES,
    ("CONTROLS", "basis"): CONTROL_BASES,
    ("MEMBER_OF", "role"): MEMBER_ROLES,
    ("INVOLVES", "role"): INVOLVEMENT_ROLES,
}

_RULES: Mapping[tuple[str, str], tuple[Rule, ...]] = {
    ("Enterprise", "uscc"): (Rule.USCC,),
    ("Enterprise", "registered_capital"): (Rule.MONEY,),
    ("Enterprise", "industry_code"): (Rule.GBT_CLASS,),
    ("Enterprise", "employees"): (Rule.NONNEG,),
    ("Person", "nationality"): (Rule.COUNTRY,),
    ("Park", "leading_industries"): (Rule.CHAIN,),
    ("Park", "area_km2"): (Rule.NONNEG,),
    ("Park", "boundary"): (Rule.WKT_POLYGON,),
    ("Association", "chain_ids"): (Rule.CHAIN,),
    ("Event", "type"): (Rule.EVENT_TYPE,),
    ("Event", "amount"): (Rule.MONEY,),
    ("*", "district_code"): (Rule.DISTRICT,),
    ("*", "lat"): (Rule.LAT,),
    ("*", "lng"): (Rule.LNG,),
    ("HOLDS_SHARES", "percentage"): (Rule.PERCENT,),
    ("HOLDS_SHARES", "amount"): (Rule.MONEY,),
    ("INVESTS_IN", "amount"): (Rule.MONEY,),
    ("SUPPLIES", "amount"): (Rule.MONEY,),
    ("IN_SEGMENT", "confidence"): (Rule.UNIT_INTERVAL,),
}


def _rules(owner: str, prop: str) -> tuple[Rule, ...]:
    return _RULES.get((owner, prop)) or _RULES.get(("*", prop), ())


def _node_fields(model: GraphModel, label: str, *, required: Iterable[str] = ()) -> list[Field]:
    node = model.node(label)
    forced = set(required)
    return [
        Field(
            name=p.name,
            type=p.type,
            required=p.required or p.name in forced,
            description=p.description,
            example=_example(label, p.name),
            unit=p.unit,
            choices=_CHOICES.get((label, p.name), ()),
            rules=_rules(label, p.name),
        )
        for p in node.properties
    ]


def _rel_fields(model: GraphModel, type_: str, source: str, target: str,
                renames: Mapping[str, str] | None = None) -> list[Field]:
    rel = model.relationship(type_, source, target)
    renames = renames or {}
    return [
        Field(
            name=renames.get(p.name, p.name),
            type=p.type,
            required=p.required,
            description=p.description,
            example=_example(type_, renames.get(p.name, p.name)),
            unit=p.unit,
            choices=_CHOICES.get((type_, p.name), ()),
            rules=_rules(type_, p.name),
        )
        for p in rel.properties
    ]


def _key(name: str, description: str, *, uscc: bool = False, required: bool = True) -> Field:
    return Field(name, PropType.STRING, required, description, _EXAMPLES[name],
                 rules=(Rule.USCC,) if uscc else ())


def _props(fields: Iterable[Field], *, skip: Iterable[str] = ()) -> tuple[tuple[str, str], ...]:
    skipped = set(skip)
    return tuple((f.name, f.name) for f in fields if f.name not in skipped and not f.input_only)


def _build(model: GraphModel) -> dict[str, RecordKind]:
    kinds: list[RecordKind] = []

    ent = _node_fields(model, "Enterprise")
    scope = Field("business_scope", PropType.STRING, False,
                  "Business scope (经营范围); not stored, matched against chain-segment keywords",
                  _EXAMPLES["business_scope"], input_only=True)
    kinds.append(RecordKind(
        "enterprises", "Registered enterprises (企业基本信息).", (*ent, scope), ("uscc",),
        node=NodeTarget("Enterprise", "uscc", _props(ent, skip=("uscc",))),
        relationships=(RelTarget("CLASSIFIED_AS", "Enterprise", "Industry", "uscc",
                                 "industry_code", optional=True),),
        derive_segments=True,
    ))

    person = _node_fields(model, "Person")
    kinds.append(RecordKind(
        "persons", "Natural persons: shareholders and officers.", tuple(person), ("person_id",),
        node=NodeTarget("Person", "person_id", _props(person, skip=("person_id",))),
    ))

    share = _rel_fields(model, "HOLDS_SHARES", "Person", "Enterprise")
    share_props = _props(share)
    kinds.append(RecordKind(
        "shareholdings", "Registered shareholdings (股东及出资); a person or an enterprise holds.",
        (Field("holder_type", PropType.STRING, True, "Who holds: person or enterprise",
               _EXAMPLES["holder_type"], choices=HOLDER_TYPES, input_only=True),
         Field("holder_id", PropType.STRING, True,
               "person_id of the person, or USCC of the enterprise, that holds",
               _EXAMPLES["holder_id"]),
         _key("held_uscc", "USCC of the enterprise whose shares are held", uscc=True),
         *share),
        ("holder_type", "holder_id", "held_uscc"),
        relationships=(
            RelTarget("HOLDS_SHARES", "Person", "Enterprise", "holder_id", "held_uscc",
                      share_props, when=("holder_type", "person")),
            RelTarget("HOLDS_SHARES", "Enterprise", "Enterprise", "holder_id", "held_uscc",
                      share_props, when=("holder_type", "enterprise")),
        ),
        ownership_total=True,
    ))

    def rel_kind(name: str, description: str, type_: str, source: str, target: str,
                 src: Field, dst: Field, renames: Mapping[str, str] | None = None) -> None:
        rel = model.relationship(type_, source, target)
        fields = _rel_fields(model, type_, source, target, renames)
        props = tuple((p.name, (renames or {}).get(p.name, p.name)) for p in rel.properties)
        identity = (src.name, dst.name, *((renames or {}).get(k, k) for k in rel.merge_keys))
        kinds.append(RecordKind(
            name, description, (src, dst, *fields), identity,
            relationships=(RelTarget(type_, source, target, src.name, dst.name, props),),
        ))

    rel_kind("investments", "Outbound investments (对外投资), e.g. a financing round.",
             "INVESTS_IN", "Enterprise", "Enterprise",
             _key("investor_uscc", "USCC of the investor", uscc=True),
             _key("investee_uscc", "USCC of the investee", uscc=True))
    rel_kind("controls", "Control (控股/实际控制) of a subsidiary by its parent.",
             "CONTROLS", "Enterprise", "Enterprise",
             _key("parent_uscc", "USCC of the parent", uscc=True),
             _key("subsidiary_uscc", "USCC of the subsidiary", uscc=True))
    rel_kind("officers", "Officers (主要人员), incl. the legal representative; one row per role.",
             "OFFICER_OF", "Person", "Enterprise",
             _key("person_id", "person_id of the officer"),
             _key("uscc", "USCC of the enterprise", uscc=True))
    rel_kind("supplies", "Supply relations (供应商/客户).", "SUPPLIES", "Enterprise", "Enterprise",
             _key("supplier_uscc", "USCC of the supplier", uscc=True),
             _key("customer_uscc", "USCC of the customer", uscc=True))
    rel_kind("enterprise_segments",
             "Explicit chain-segment assignments; they override the derived ones for the pair.",
             "IN_SEGMENT", "Enterprise", "ChainSegment",
             _key("uscc", "USCC of the enterprise", uscc=True),
             Field("segment_id", PropType.STRING, True, "Segment id from chains.yaml",
                   _EXAMPLES["segment_id"], rules=(Rule.SEGMENT,)))

    park = _node_fields(model, "Park")
    kinds.append(RecordKind(
        "parks", "Industrial parks (产业园区).", tuple(park), ("park_id",),
        node=NodeTarget("Park", "park_id", _props(park, skip=("park_id",))),
        relationships=(RelTarget("FOCUSES_ON", "Park", "IndustryChain", "park_id",
                                 "leading_industries", optional=True, explode=True),),
    ))
    rel_kind("park_members", "Enterprises located in a park (入驻企业).",
             "LOCATED_IN", "Enterprise", "Park",
             _key("uscc", "USCC of the enterprise", uscc=True),
             _key("park_id", "park_id of the park"))

    assoc = _node_fields(model, "Association")
    kinds.append(RecordKind(
        "associations", "Industry associations and chambers (行业协会/商会).", tuple(assoc),
        ("association_id",),
        node=NodeTarget("Association", "association_id", _props(assoc, skip=("association_id",))),
    ))
    rel_kind("association_members", "Association memberships.", "MEMBER_OF", "Enterprise",
             "Association",
             _key("uscc", "USCC of the member enterprise", uscc=True),
             _key("association_id", "association_id of the association"))

    branch = _node_fields(model, "Branch")
    kinds.append(RecordKind(
        "branches", "The bank's branches and sub-branches.", tuple(branch), ("branch_id",),
        node=NodeTarget("Branch", "branch_id", _props(branch, skip=("branch_id",))),
        relationships=(RelTarget("SUB_BRANCH_OF", "Branch", "Branch", "branch_id", "parent_id",
                                 optional=True),),
    ))
    rel_kind("customers", "Existing bank customers and the branch that serves them.",
             "CUSTOMER_OF", "Enterprise", "Branch",
             _key("uscc", "USCC of the customer", uscc=True),
             _key("branch_id", "branch_id of the serving branch"))

    event = _node_fields(model, "Event")
    event_extra = (
        _key("uscc", "USCC of the enterprise the event is about", uscc=True),
        Field("counterparty_uscc", PropType.STRING, False,
              "USCC of another enterprise involved", _EXAMPLES["counterparty_uscc"],
              rules=(Rule.USCC,)),
        Field("counterparty_role", PropType.STRING, False,
              "Role of the counterparty (default counterparty when counterparty_uscc is given)",
              _EXAMPLES["counterparty_role"], choices=INVOLVEMENT_ROLES),
    )
    # Documented order: event_id, type, date, uscc, title, amount, source, counterparty_*.
    event_fields = (*event[:3], event_extra[0], *event[3:], *event_extra[1:])
    kinds.append(RecordKind(
        "events", "Business-opportunity events (商机事件) on enterprises.", event_fields,
        ("event_id",),
        node=NodeTarget("Event", "event_id", _props(event, skip=("event_id",))),
        relationships=(
            RelTarget("CONCERNS", "Event", "Enterprise", "event_id", "uscc"),
            RelTarget("OF_TYPE", "Event", "EventType", "event_id", "type"),
            RelTarget("INVOLVES", "Event", "Enterprise", "event_id", "counterparty_uscc",
                      (("role", "counterparty_role"),), optional=True),
        ),
    ))
    return {k.name: k for k in kinds}


@cache
def record_kinds() -> Mapping[str, RecordKind]:
    """Every record kind by name, in load order: nodes before the relationships between them."""
    return _build(graph_model())


#: Load order: node kinds first (relationships need both ends), then relationship kinds.
KIND_ORDER: tuple[str, ...] = (
    "enterprises", "persons", "parks", "associations", "branches", "events",
    "shareholdings", "investments", "controls", "officers", "supplies", "enterprise_segments",
    "park_members", "association_members", "customers",
)


def record_kind(name: str) -> RecordKind:
    try:
        return record_kinds()[name]
    except KeyError:
        raise KeyError(
            f"unknown record kind {name!r}; known: {', '.join(KIND_ORDER)}"
        ) from None


# -- documentation -------------------------------------------------------------------------------

_TYPE_NAMES = {
    PropType.STRING: "text",
    PropType.FLOAT: "number",
    PropType.INTEGER: "integer",
    PropType.DATE: "date",
    PropType.BOOLEAN: "boolean",
    PropType.STRING_LIST: "list",
}
_RULE_TEXT = {
    Rule.USCC: "18 characters, valid check character (GB 32100-2015)",
    Rule.GBT_CLASS: "a 4-digit GB/T 4754-2017 class; `C3973` and `3973 集成电路制造` are read as 3973",
    Rule.DISTRICT: "6 digits",
    Rule.LAT: f"{CHINA_LAT[0]}–{CHINA_LAT[1]}; with lng",
    Rule.LNG: f"{CHINA_LNG[0]}–{CHINA_LNG[1]}; with lat",
    Rule.PERCENT: "0–100, `%` allowed; per held company at most 100 in total",
    Rule.NONNEG: "≥ 0",
    Rule.UNIT_INTERVAL: "0–1",
    Rule.MONEY: "≥ 0 万元; `500万元`, `1.2亿`, `5000000元` convert, foreign currencies with a rate",
    Rule.COUNTRY: "ISO 3166-1 alpha-2, e.g. CN",
    Rule.CHAIN: "chain ids of chains.yaml",
    Rule.SEGMENT: "segment ids of chains.yaml",
    Rule.EVENT_TYPE: "codes of event_types.yaml",
    Rule.WKT_POLYGON: "WKT POLYGON or MULTIPOLYGON",
}


def fields_markdown() -> str:
    """One table per record kind: field, type, required, example, description and checks."""
    out: list[str] = []
    for name in KIND_ORDER:
        kind = record_kind(name)
        out.append(f"### {name}\n")
        writes = ", ".join(f"`{t}`" for t in kind.targets())
        out.append(f"{kind.description} Becomes {writes}.\n")
        out.append("| field | type | required | example | meaning and checks |")
        out.append("|---|---|---|---|---|")
        refs = {f: label for f, label, _ in kind.references()}
        for f in kind.fields:
            notes = [f.description.rstrip(".")]
            if f.unit:
                notes.append(f"unit {f.unit}")
            if f.choices and not all(c in f.description for c in f.choices):
                notes.append("one of " + ", ".join(f"`{c}`" for c in f.choices))
            elif f.choices:
                notes[0] = f"{notes[0]} (nothing else)"
            notes += [_RULE_TEXT[r] for r in f.rules]
            if f.name in refs and refs[f.name] not in ("Industry", "IndustryChain",
                                                         "ChainSegment", "EventType"):
                notes.append(f"must name a {refs[f.name]} of this load or of the store")
            if f.input_only and "not stored" not in f.description:
                notes.append("not stored as a property")
            example = f.example.replace("|", "\\|")
            out.append(f"| {f.name} | {_TYPE_NAMES[f.type]} | {'yes' if f.required else ''} | "
                       f"`{example}` | {'; '.join(notes)} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
