"""Typed, validated access to chainscout's reference data.

The project ships three reference files in ``chainscout/loaders/reference/`` (package data):

* ``gbt4754_2017.csv`` – GB/T 4754-2017 national-economy industry classification;
* ``chains.yaml`` – industry-chain maps (产业链图谱): segments, GB/T classes, keywords, links;
* ``event_types.yaml`` – business-opportunity event types with product signals and decay.

Users edit the two YAML files, so every loader validates its file on load and raises
:class:`ReferenceDataError` naming the file and the offending entry, instead of letting a typo
surface later as a silently empty query. Results are cached; call :func:`clear_caches` after
editing a file in a long-running process.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, cast, get_args

import yaml

__all__ = [
    "EVENT_CATEGORIES",
    "PRODUCT_SIGNALS",
    "Chain",
    "EventType",
    "IndustryClass",
    "LinkKind",
    "Polarity",
    "Position",
    "ReferenceDataError",
    "Segment",
    "SegmentLink",
    "Source",
    "ancestors",
    "clear_caches",
    "is_valid_class_code",
    "load_chains",
    "load_event_types",
    "load_gbt4754",
    "normalize_class_code",
    "segment_index",
    "segments_for_class",
]

_PACKAGE: Final = "chainscout.loaders"
_REFERENCE_DIR: Final = "reference"
GBT_FILE: Final = "gbt4754_2017.csv"
CHAINS_FILE: Final = "chains.yaml"
EVENT_TYPES_FILE: Final = "event_types.yaml"

Position = Literal["upstream", "midstream", "downstream"]
LinkKind = Literal["supplies", "upstream_of"]
Source = Literal["external", "internal"]
Polarity = Literal["opportunity", "risk", "neutral"]

#: Product-signal vocabulary: code -> (Chinese name, English name). Fixed on purpose: scoring and
#: the product catalogue key off these codes, so a new one needs code, not just a YAML edit.
PRODUCT_SIGNALS: Final[Mapping[str, tuple[str, str]]] = {
    "account_opening": ("开户", "Account opening"),
    "deposits": ("对公存款", "Corporate deposits"),
    "settlement": ("支付结算", "Payments and settlement"),
    "cash_management": ("现金管理", "Cash management"),
    "payroll": ("代发工资", "Payroll services"),
    "credit": ("流动资金贷款/授信", "Working-capital credit"),
    "project_loan": ("固定资产/项目贷款", "Project and fixed-asset loans"),
    "bills": ("票据业务", "Bank acceptance bills and discounting"),
    "trade_finance": ("贸易融资", "Trade finance"),
    "supply_chain_finance": ("供应链金融", "Supply-chain finance"),
    "fx": ("外汇与跨境", "FX and cross-border"),
    "guarantee": ("保函", "Letters of guarantee"),
    "bonds_underwriting": ("债券承销", "Bond underwriting"),
    "m_and_a_advisory": ("并购贷款与顾问", "M&A loans and advisory"),
    "equity_linked": ("投贷联动", "Equity-linked lending"),
    "custody": ("资金托管与监管", "Custody and escrow"),
    "wealth": ("理财与财富管理", "Wealth management"),
    "leasing": ("金融租赁", "Financial leasing"),
    "risk_review": ("风险复核", "Credit risk review"),
}

#: Event categories: code -> (Chinese name, English name).
EVENT_CATEGORIES: Final[Mapping[str, tuple[str, str]]] = {
    "expansion": ("经营扩张", "Expansion"),
    "financing": ("投融资", "Financing"),
    "capital_market": ("资本市场", "Capital markets"),
    "equity_change": ("股权变动", "Equity change"),
    "governance": ("组织人事", "Governance and management"),
    "qualification": ("资质荣誉", "Qualifications and honours"),
    "innovation": ("科技创新", "Innovation"),
    "procurement": ("政府采购与招投标", "Government procurement and tenders"),
    "policy_support": ("政策扶持", "Policy support"),
    "trade": ("进出口贸易", "Foreign trade"),
    "maturity": ("到期窗口", "Maturity windows"),
    "risk": ("风险", "Risk"),
    "internal": ("内部信号", "Internal bank signals"),
}

_POSITIONS: Final = frozenset(get_args(Position))
_LINK_KINDS: Final = frozenset(get_args(LinkKind))
_SOURCES: Final = frozenset(get_args(Source))
_POLARITIES: Final = frozenset(get_args(Polarity))

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_CLASS_CODE = re.compile(r"^\d{4}$")
_CODE_BY_LEVEL: Final[Mapping[int, re.Pattern[str]]] = {
    1: re.compile(r"^[A-T]$"),
    2: re.compile(r"^\d{2}$"),
    3: re.compile(r"^\d{3}$"),
    4: _CLASS_CODE,
}
_GBT_COLUMNS: Final = ("code", "level", "parent", "section", "name")
# libyaml's loader is ~10x faster than the pure-Python one; both give the same safe subset.
_YAML_LOADER: Final[type[yaml.SafeLoader]] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ReferenceDataError(ValueError):
    """A reference file is malformed; the message names the file and the offending entry."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source = source
        self.where = where
        self.problem = problem
        location = f"{source}: {where}" if where else source
        super().__init__(f"{location}: {problem}")


# --------------------------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndustryClass:
    """One GB/T 4754-2017 entry: a section (门类), division (大类), group (中类) or class (小类)."""

    code: str
    level: int  # 1 section, 2 division, 3 group, 4 class
    parent: str | None
    section: str
    name: str


@dataclass(frozen=True, slots=True)
class Segment:
    """One link of an industry chain (产业链环节) and how enterprises are mapped to it.

    ``gbt_codes`` alone place an enterprise in the segment; ``gbt_codes_broad`` hold the
    segment's enterprises among many others, so they also need a keyword hit in the name or
    business scope (see :meth:`matches`).
    """

    id: str
    chain_id: str
    name: str
    name_en: str
    position: Position
    gbt_codes: tuple[str, ...]
    gbt_codes_broad: tuple[str, ...]
    keywords: tuple[str, ...]
    description: str = ""

    @property
    def all_codes(self) -> tuple[str, ...]:
        """Every GB/T class that can place an enterprise in this segment."""
        return self.gbt_codes + self.gbt_codes_broad

    def keyword_hits(self, text: str) -> tuple[str, ...]:
        """Keywords found in ``text`` (case-insensitive for Latin letters), in file order."""
        folded = text.casefold()
        return tuple(k for k in self.keywords if k.casefold() in folded)

    def matches(self, class_code: str | None, text: str = "") -> bool:
        """Whether an enterprise with this GB/T class and name/business-scope text belongs here.

        A core class is enough; a broad class needs a keyword hit; without a class (or with an
        unrelated one) a keyword hit alone does not place it, because keywords such as 电池 are
        too loose on their own.
        """
        if class_code is None:
            return False
        code = normalize_class_code(class_code)
        if code in self.gbt_codes:
            return True
        return code in self.gbt_codes_broad and bool(self.keyword_hits(text))


@dataclass(frozen=True, slots=True)
class SegmentLink:
    """``source`` supplies (or sits upstream of) ``target``; the two may be in different chains."""

    source: str
    target: str
    kind: LinkKind = "supplies"
    note: str = ""
    cross_chain: bool = False


@dataclass(frozen=True, slots=True)
class Chain:
    """An industry chain with its segments and the links that start in it."""

    id: str
    name: str
    name_en: str
    description: str
    segments: tuple[Segment, ...]
    links: tuple[SegmentLink, ...]

    def segment(self, segment_id: str) -> Segment:
        """The segment with this id; ``KeyError`` if it is not in this chain."""
        for seg in self.segments:
            if seg.id == segment_id:
                return seg
        raise KeyError(segment_id)

    def segments_at(self, position: Position) -> tuple[Segment, ...]:
        """Segments at one position, in file order (upstream/midstream/downstream views)."""
        return tuple(s for s in self.segments if s.position == position)


@dataclass(frozen=True, slots=True)
class EventType:
    """A kind of business-opportunity (or risk) event and what it is worth to the bank."""

    code: str
    name: str
    name_en: str
    category: str
    source: Source
    polarity: Polarity
    product_signals: tuple[str, ...]
    value_tier: int
    base_value: float
    half_life_days: float
    keywords: tuple[str, ...] = ()
    description: str = ""

    @property
    def category_name(self) -> str:
        """Chinese name of the category, for display."""
        return EVENT_CATEGORIES[self.category][0]

    def value_at(self, age_days: float) -> float:
        """Exponentially decayed value ``age_days`` after the event (never above ``base_value``).

        Events dated in the future (clock skew, planned dates) count as fresh.
        """
        age = max(0.0, age_days)
        return self.base_value * math.pow(0.5, age / self.half_life_days)


# --------------------------------------------------------------------------------------------
# GB/T 4754-2017
# --------------------------------------------------------------------------------------------


def _packaged_text(name: str) -> str:
    return (resources.files(_PACKAGE) / _REFERENCE_DIR / name).read_text(encoding="utf-8")


@cache
def _gbt_cached() -> Mapping[str, IndustryClass]:
    return _parse_gbt(_packaged_text(GBT_FILE), GBT_FILE)


def _parse_gbt(text: str, source: str) -> dict[str, IndustryClass]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != _GBT_COLUMNS:
        raise ReferenceDataError(
            source, "header", f"expected columns {','.join(_GBT_COLUMNS)}, got {reader.fieldnames}"
        )
    out: dict[str, IndustryClass] = {}
    for row in reader:
        where = f"line {reader.line_num}"
        code = (row["code"] or "").strip()
        level_text = (row["level"] or "").strip()
        if level_text not in {"1", "2", "3", "4"}:
            raise ReferenceDataError(source, where, f"level must be 1-4, got {level_text!r}")
        level = int(level_text)
        if not _CODE_BY_LEVEL[level].match(code):
            raise ReferenceDataError(source, where, f"code {code!r} is not a level-{level} code")
        if code in out:
            raise ReferenceDataError(source, where, f"duplicate code {code!r}")
        parent = (row["parent"] or "").strip() or None
        section = (row["section"] or "").strip()
        name = (row["name"] or "").strip()  # the source table has stray trailing spaces
        if not name:
            raise ReferenceDataError(source, where, f"code {code!r} has no name")
        if level == 1:
            if parent is not None or section != code:
                raise ReferenceDataError(source, where, f"section {code!r} must have no parent")
        else:
            expected = section if level == 2 else code[:-1]
            if parent != expected:
                raise ReferenceDataError(
                    source, where, f"code {code!r} must have parent {expected!r}, got {parent!r}"
                )
            parent_entry = out.get(parent)
            if parent_entry is None or parent_entry.level != level - 1:
                raise ReferenceDataError(
                    source,
                    where,
                    f"parent {parent!r} of {code!r} must precede it at level {level - 1}",
                )
            if parent_entry.section != section:
                raise ReferenceDataError(
                    source,
                    where,
                    f"section {section!r} differs from parent's {parent_entry.section!r}",
                )
        out[code] = IndustryClass(code=code, level=level, parent=parent, section=section, name=name)
    return out


def load_gbt4754() -> dict[str, IndustryClass]:
    """All GB/T 4754-2017 entries by code (sections 'A'..'T', then 2-, 3- and 4-digit codes).

    Returns a fresh dict each call (the parsed table itself is cached), so callers may mutate it.
    """
    return dict(_gbt_cached())


def normalize_class_code(raw: str) -> str:
    """Strip the forms enterprise registries use ('C3973', 'C39 73', ' 3973') down to '3973'.

    Only whitespace and a leading section letter are removed; anything else is returned as is
    and will fail :func:`is_valid_class_code`.
    """
    code = "".join(raw.split()).upper()
    if len(code) == 5 and code[0].isalpha() and code[1:].isdigit():
        code = code[1:]
    return code


def is_valid_class_code(code: str) -> bool:
    """Whether ``code`` is a 4-digit GB/T 4754-2017 class (小类) after normalisation."""
    norm = normalize_class_code(code)
    entry = _gbt_cached().get(norm) if _CLASS_CODE.match(norm) else None
    return entry is not None and entry.level == 4


def ancestors(code: str) -> list[IndustryClass]:
    """The entry's ancestors, nearest first: group, division, section for a 4-digit class.

    Raises ``KeyError`` for a code that is not in the table.
    """
    table = _gbt_cached()
    entry = table[normalize_class_code(code)]
    chain: list[IndustryClass] = []
    while entry.parent is not None:
        entry = table[entry.parent]
        chain.append(entry)
    return chain


# --------------------------------------------------------------------------------------------
# YAML helpers
# --------------------------------------------------------------------------------------------


def _read_yaml(path: Path | None, default_name: str) -> tuple[Any, str]:
    if path is None:
        text, source = _packaged_text(default_name), default_name
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ReferenceDataError(source, "", f"cannot read file: {exc}") from exc
    try:
        return yaml.load(text, Loader=_YAML_LOADER), source
    except yaml.YAMLError as exc:
        raise ReferenceDataError(source, "", f"invalid YAML: {exc}") from exc


class _Ctx:
    """Carries the file name into field checks so every error says where it happened."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ReferenceDataError:
        return ReferenceDataError(self.source, where, problem)

    def mapping(
        self, value: object, where: str, required: set[str], optional: set[str]
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping, got {type(value).__name__}")
        keys = {str(k) for k in value}
        missing = sorted(required - keys)
        if missing:
            raise self.fail(where, f"missing field(s): {', '.join(missing)}")
        unknown = sorted(keys - required - optional)
        if unknown:
            allowed = ", ".join(sorted(required | optional))
            raise self.fail(where, f"unknown field(s): {', '.join(unknown)} (allowed: {allowed})")
        return cast(dict[str, Any], value)

    def text(self, value: object, where: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            hint = " (quote it in YAML)" if isinstance(value, int | float | bool) else ""
            raise self.fail(where, f"expected text, got {type(value).__name__} {value!r}{hint}")
        value = value.strip()
        if not value and not allow_empty:
            raise self.fail(where, "must not be empty")
        return value

    def slug(self, value: object, where: str) -> str:
        text = self.text(value, where)
        if not _SLUG.match(text):
            raise self.fail(where, f"{text!r} must be ascii snake_case ([a-z][a-z0-9_]*)")
        return text

    def choice(self, value: object, where: str, allowed: Iterable[str]) -> str:
        text = self.text(value, where)
        options = sorted(allowed)
        if text not in options:
            raise self.fail(where, f"{text!r} is not one of: {', '.join(options)}")
        return text

    def text_list(self, value: object, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list, got {type(value).__name__}")
        items = tuple(self.text(v, f"{where}[{i}]") for i, v in enumerate(value))
        if not items and not allow_empty:
            raise self.fail(where, "must not be empty")
        seen: set[str] = set()
        for item in items:
            if item in seen:
                raise self.fail(where, f"duplicate entry {item!r}")
            seen.add(item)
        return items

    def number(self, value: object, where: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"expected a number, got {type(value).__name__} {value!r}")
        number = float(value)
        if not (low <= number <= high) or math.isnan(number):
            raise self.fail(where, f"{value!r} is out of range [{low:g}, {high:g}]")
        return number

    def top(self, doc: object, list_key: str) -> list[Any]:
        data = self.mapping(doc, "top level", {list_key}, {"version"})
        if data.get("version", 1) != 1:
            raise self.fail("version", f"unsupported version {data['version']!r} (expected 1)")
        items = data[list_key]
        if not isinstance(items, list):
            raise self.fail(list_key, f"expected a list, got {type(items).__name__}")
        return items


# --------------------------------------------------------------------------------------------
# Chains
# --------------------------------------------------------------------------------------------

_CHAIN_REQUIRED: Final = {"id", "name", "name_en", "description", "segments", "links"}
_SEGMENT_REQUIRED: Final = {"id", "name", "name_en", "position", "gbt_codes", "keywords"}
_SEGMENT_OPTIONAL: Final = {"gbt_codes_broad", "description"}
_LINK_REQUIRED: Final = {"from", "to"}
_LINK_OPTIONAL: Final = {"kind", "note"}


def load_chains(path: Path | None = None) -> list[Chain]:
    """Industry chains from ``path`` (default: the packaged ``chains.yaml``), validated.

    Checks ids, positions, that every GB/T code is a real level-4 class, that keywords exist,
    and that every link joins two known segments. Cached per path.
    """
    return list(_chains_cached(None if path is None else Path(path)))


@cache
def _chains_cached(path: Path | None) -> tuple[Chain, ...]:
    doc, source = _read_yaml(path, CHAINS_FILE)
    return _parse_chains(doc, _Ctx(source), _gbt_cached())


def _parse_chains(doc: object, ctx: _Ctx, gbt: Mapping[str, IndustryClass]) -> tuple[Chain, ...]:
    raw_chains = ctx.top(doc, "chains")
    segment_chain: dict[str, str] = {}
    # First pass: chains and segments, so links may point forward to later chains.
    staged: list[tuple[dict[str, Any], str, tuple[Segment, ...]]] = []
    chain_ids: set[str] = set()
    for ci, raw in enumerate(raw_chains):
        where = f"chains[{ci}]"
        data = ctx.mapping(raw, where, _CHAIN_REQUIRED, set())
        chain_id = ctx.slug(data["id"], f"{where}.id")
        where = f"chain {chain_id!r}"
        if chain_id in chain_ids:
            raise ctx.fail(where, f"duplicate chain id {chain_id!r}")
        chain_ids.add(chain_id)
        raw_segments = data["segments"]
        if not isinstance(raw_segments, list) or not raw_segments:
            raise ctx.fail(f"{where}.segments", "expected a non-empty list")
        segments = tuple(
            _parse_segment(seg, ctx, gbt, chain_id, f"{where}.segments[{si}]", segment_chain)
            for si, seg in enumerate(raw_segments)
        )
        staged.append((data, chain_id, segments))

    chains: list[Chain] = []
    for data, chain_id, segments in staged:
        where = f"chain {chain_id!r}"
        raw_links = data["links"]
        if raw_links is None:
            raw_links = []
        if not isinstance(raw_links, list):
            raise ctx.fail(f"{where}.links", "expected a list")
        links: list[SegmentLink] = []
        seen: set[tuple[str, str]] = set()
        for li, raw_link in enumerate(raw_links):
            lwhere = f"{where}.links[{li}]"
            link = _parse_link(raw_link, ctx, lwhere, chain_id, segment_chain)
            if (link.source, link.target) in seen:
                raise ctx.fail(lwhere, f"duplicate link {link.source} -> {link.target}")
            seen.add((link.source, link.target))
            links.append(link)
        chains.append(
            Chain(
                id=chain_id,
                name=ctx.text(data["name"], f"{where}.name"),
                name_en=ctx.text(data["name_en"], f"{where}.name_en"),
                description=ctx.text(data["description"], f"{where}.description"),
                segments=segments,
                links=tuple(links),
            )
        )
    return tuple(chains)


def _parse_segment(
    raw: object,
    ctx: _Ctx,
    gbt: Mapping[str, IndustryClass],
    chain_id: str,
    where: str,
    segment_chain: dict[str, str],
) -> Segment:
    data = ctx.mapping(raw, where, _SEGMENT_REQUIRED, _SEGMENT_OPTIONAL)
    seg_id = ctx.text(data["id"], f"{where}.id")
    prefix, _, local = seg_id.partition(".")
    if prefix != chain_id or not _SLUG.match(local):
        raise ctx.fail(f"{where}.id", f"{seg_id!r} must look like '{chain_id}.<snake_case>'")
    where = f"segment {seg_id!r}"
    if seg_id in segment_chain:
        raise ctx.fail(where, f"duplicate segment id {seg_id!r}")
    segment_chain[seg_id] = chain_id
    core = ctx.text_list(data["gbt_codes"], f"{where}.gbt_codes")
    broad = ctx.text_list(data.get("gbt_codes_broad"), f"{where}.gbt_codes_broad")
    for field, codes in (("gbt_codes", core), ("gbt_codes_broad", broad)):
        for code in codes:
            entry = gbt.get(code)
            if entry is None or entry.level != 4:
                kind = "not a 4-digit class" if entry is not None else "unknown"
                raise ctx.fail(f"{where}.{field}", f"{kind} GB/T 4754-2017 class code {code!r}")
    both = sorted(set(core) & set(broad))
    if both:
        raise ctx.fail(
            where, f"code(s) {', '.join(both)} listed in both gbt_codes and gbt_codes_broad"
        )
    if not core and not broad:
        raise ctx.fail(where, "needs at least one GB/T class in gbt_codes or gbt_codes_broad")
    return Segment(
        id=seg_id,
        chain_id=chain_id,
        name=ctx.text(data["name"], f"{where}.name"),
        name_en=ctx.text(data["name_en"], f"{where}.name_en"),
        position=cast(Position, ctx.choice(data["position"], f"{where}.position", _POSITIONS)),
        gbt_codes=core,
        gbt_codes_broad=broad,
        keywords=ctx.text_list(data["keywords"], f"{where}.keywords", allow_empty=False),
        description=ctx.text(data.get("description", ""), f"{where}.description", allow_empty=True),
    )


def _parse_link(
    raw: object, ctx: _Ctx, where: str, chain_id: str, segment_chain: Mapping[str, str]
) -> SegmentLink:
    data = ctx.mapping(raw, where, _LINK_REQUIRED, _LINK_OPTIONAL)
    source = ctx.text(data["from"], f"{where}.from")
    target = ctx.text(data["to"], f"{where}.to")
    for end, seg_id in (("from", source), ("to", target)):
        if seg_id not in segment_chain:
            raise ctx.fail(f"{where}.{end}", f"link to unknown segment {seg_id!r}")
    if segment_chain[source] != chain_id:
        raise ctx.fail(
            f"{where}.from",
            f"{source!r} belongs to chain {segment_chain[source]!r}; list the link there",
        )
    if source == target:
        raise ctx.fail(where, f"segment {source!r} links to itself")
    kind = ctx.choice(data.get("kind", "supplies"), f"{where}.kind", _LINK_KINDS)
    return SegmentLink(
        source=source,
        target=target,
        kind=cast(LinkKind, kind),
        note=ctx.text(data.get("note", ""), f"{where}.note", allow_empty=True),
        cross_chain=segment_chain[target] != chain_id,
    )


def segment_index(chains: Sequence[Chain] | None = None) -> dict[str, Segment]:
    """All segments by id across ``chains`` (default: the packaged chains)."""
    chains = load_chains() if chains is None else chains
    return {seg.id: seg for chain in chains for seg in chain.segments}


def segments_for_class(
    class_code: str, text: str = "", chains: Sequence[Chain] | None = None
) -> list[Segment]:
    """Segments an enterprise with this GB/T class and name/business-scope text belongs to."""
    chains = load_chains() if chains is None else chains
    return [seg for chain in chains for seg in chain.segments if seg.matches(class_code, text)]


# --------------------------------------------------------------------------------------------
# Event types
# --------------------------------------------------------------------------------------------

_EVENT_REQUIRED: Final = {
    "code",
    "name",
    "name_en",
    "category",
    "source",
    "product_signals",
    "value_tier",
    "base_value",
    "half_life_days",
}
_EVENT_OPTIONAL: Final = {"polarity", "keywords", "description"}


def load_event_types(path: Path | None = None) -> dict[str, EventType]:
    """Event types by code from ``path`` (default: the packaged ``event_types.yaml``), validated.

    Checks codes, categories, product signals against :data:`PRODUCT_SIGNALS`, value_tier 1-5,
    base_value 0-100 and half_life_days > 0. Cached per path; returns a fresh dict.
    """
    return dict(_event_types_cached(None if path is None else Path(path)))


@cache
def _event_types_cached(path: Path | None) -> Mapping[str, EventType]:
    doc, source = _read_yaml(path, EVENT_TYPES_FILE)
    return _parse_event_types(doc, _Ctx(source))


def _parse_event_types(doc: object, ctx: _Ctx) -> dict[str, EventType]:
    out: dict[str, EventType] = {}
    for i, raw in enumerate(ctx.top(doc, "event_types")):
        where = f"event_types[{i}]"
        data = ctx.mapping(raw, where, _EVENT_REQUIRED, _EVENT_OPTIONAL)
        code = ctx.slug(data["code"], f"{where}.code")
        where = f"event type {code!r}"
        if code in out:
            raise ctx.fail(where, f"duplicate event type code {code!r}")
        category = ctx.choice(data["category"], f"{where}.category", EVENT_CATEGORIES)
        source = cast(Source, ctx.choice(data["source"], f"{where}.source", _SOURCES))
        if (category == "internal") != (source == "internal"):
            raise ctx.fail(where, "category 'internal' and source 'internal' go together")
        polarity = cast(
            Polarity,
            ctx.choice(data.get("polarity", "opportunity"), f"{where}.polarity", _POLARITIES),
        )
        if category == "risk" and polarity != "risk":
            raise ctx.fail(where, "events in category 'risk' must have polarity 'risk'")
        signals = ctx.text_list(
            data["product_signals"], f"{where}.product_signals", allow_empty=False
        )
        for signal in signals:
            if signal not in PRODUCT_SIGNALS:
                raise ctx.fail(
                    f"{where}.product_signals",
                    f"unknown product signal {signal!r} (allowed: {', '.join(PRODUCT_SIGNALS)})",
                )
        tier = data["value_tier"]
        if isinstance(tier, bool) or not isinstance(tier, int) or not 1 <= tier <= 5:
            raise ctx.fail(
                f"{where}.value_tier", f"value_tier must be an integer 1-5, got {tier!r}"
            )
        half_life = ctx.number(data["half_life_days"], f"{where}.half_life_days", 0.0, 36500.0)
        if half_life <= 0:
            raise ctx.fail(f"{where}.half_life_days", "half_life_days must be greater than 0")
        out[code] = EventType(
            code=code,
            name=ctx.text(data["name"], f"{where}.name"),
            name_en=ctx.text(data["name_en"], f"{where}.name_en"),
            category=category,
            source=source,
            polarity=polarity,
            product_signals=signals,
            value_tier=tier,
            base_value=ctx.number(data["base_value"], f"{where}.base_value", 0.0, 100.0),
            half_life_days=half_life,
            keywords=ctx.text_list(data.get("keywords"), f"{where}.keywords"),
            description=ctx.text(
                data.get("description", ""), f"{where}.description", allow_empty=True
            ),
        )
    return out


def clear_caches() -> None:
    """Forget every cached file, e.g. after a user edited chains.yaml in a running service."""
    _gbt_cached.cache_clear()
    _chains_cached.cache_clear()
    _event_types_cached.cache_clear()
