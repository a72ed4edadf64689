"""Reference data: the packaged files are complete and consistent, and broken edits fail loudly."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainscout.loaders import reference_data as rd

REPO = Path(__file__).resolve().parents[2]
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _packaged(name: str) -> str:
    return (resources.files("chainscout.loaders") / "reference" / name).read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    rd.clear_caches()
    yield
    rd.clear_caches()


# ------------------------------------------------------------------------------- GB/T 4754-2017


def test_gbt_level_counts_match_the_standard() -> None:
    counts = Counter(entry.level for entry in rd.load_gbt4754().values())
    assert counts == {1: 20, 2: 97, 3: 473, 4: 1380}


def test_gbt_sections_are_a_to_t() -> None:
    sections = sorted(c for c, e in rd.load_gbt4754().items() if e.level == 1)
    assert sections == [chr(c) for c in range(ord("A"), ord("T") + 1)]


def test_gbt_names_are_stripped_and_known_entries_present() -> None:
    table = rd.load_gbt4754()
    assert table["3973"].name == "集成电路制造"
    assert table["6520"].name == "集成电路设计"
    assert table["3612"].name == "新能源车整车制造"
    assert all(e.name == e.name.strip() for e in table.values())


def test_load_gbt_returns_a_copy() -> None:
    rd.load_gbt4754().clear()
    assert len(rd.load_gbt4754()) == 20 + 97 + 473 + 1380


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("3973", True),
        ("C3973", True),
        (" c3973 ", True),
        ("0111", True),
        ("397", False),
        ("39", False),
        ("C", False),
        ("9999", False),
        ("39730", False),
        ("", False),
    ],
)
def test_is_valid_class_code(code: str, valid: bool) -> None:
    assert rd.is_valid_class_code(code) is valid


def test_ancestors_nearest_first() -> None:
    assert [a.code for a in rd.ancestors("3973")] == ["397", "39", "C"]
    assert [a.code for a in rd.ancestors("C3973")] == ["397", "39", "C"]
    assert [a.code for a in rd.ancestors("0111")] == ["011", "01", "A"]
    assert rd.ancestors("A") == []


def test_ancestors_unknown_code() -> None:
    with pytest.raises(KeyError):
        rd.ancestors("9999")


def test_every_class_has_a_complete_ancestry() -> None:
    table = rd.load_gbt4754()
    for code, entry in table.items():
        if entry.level == 4:
            levels = [a.level for a in rd.ancestors(code)]
            assert levels == [3, 2, 1], code
            assert rd.ancestors(code)[-1].code == entry.section


# ------------------------------------------------------------------------------------- chains


def test_at_least_six_chains_including_the_core_ones() -> None:
    chains = rd.load_chains()
    ids = {c.id for c in chains}
    assert len(chains) >= 6
    assert {"ic", "ai", "biomed", "nev", "newmat", "hieq"} <= ids


def test_every_segment_code_is_a_valid_class() -> None:
    table = rd.load_gbt4754()
    for chain in rd.load_chains():
        for seg in chain.segments:
            assert seg.all_codes, seg.id
            assert seg.keywords, seg.id
            for code in seg.all_codes:
                assert table[code].level == 4, (seg.id, code)
                assert rd.is_valid_class_code(code)


def test_segment_ids_are_prefixed_and_unique() -> None:
    ids = [s.id for c in rd.load_chains() for s in c.segments]
    assert len(ids) == len(set(ids))
    for chain in rd.load_chains():
        assert all(
            s.id.startswith(f"{chain.id}.") and s.chain_id == chain.id for s in chain.segments
        )


def test_links_resolve_and_every_segment_is_linked() -> None:
    chains = rd.load_chains()
    index = rd.segment_index(chains)
    linked: set[str] = set()
    for chain in chains:
        for link in chain.links:
            assert link.source in index and link.target in index
            assert index[link.source].chain_id == chain.id
            assert link.cross_chain == (index[link.target].chain_id != chain.id)
            linked.update((link.source, link.target))
    assert set(index) == linked


def test_every_chain_spans_up_mid_and_downstream() -> None:
    for chain in rd.load_chains():
        for position in ("upstream", "midstream", "downstream"):
            assert chain.segments_at(position), (chain.id, position)


def test_cross_chain_links_present() -> None:
    pairs = {(link.source, link.target) for c in rd.load_chains() for link in c.links}
    assert ("ic.fab", "ai.compute_chips") in pairs
    assert ("ic.design", "ai.compute_chips") in pairs
    assert ("newmat.resources", "nev.battery_materials") in pairs


def test_segment_matching_core_broad_and_keywords() -> None:
    index = rd.segment_index()
    battery = index["nev.power_battery"]
    assert battery.matches("C3841")
    materials = index["nev.battery_materials"]
    assert not materials.matches("2613", "工业盐、纯碱销售")
    assert materials.matches("2613", "磷酸铁锂正极材料的研发、生产")
    assert not materials.matches(None, "磷酸铁锂")
    ids = {s.id for s in rd.segments_for_class("6520", "GPU芯片设计")}
    assert {"ic.design", "ai.compute_chips"} <= ids


# -------------------------------------------------------------------------------- event types

REQUIRED_EVENTS = {
    "government_bid_won",
    "planned_project",
    "outbound_investment",
    "registered_capital_increase",
    "new_subsidiary",
    "new_branch",
    "financing_maturity",
    "guarantee_maturity",
    "equity_financing_round",
    "listing_tutoring_filing",
    "ipo_application",
    "high_tech_enterprise",
    "little_giant",
    "land_acquisition",
    "large_contract",
    "import_export_qualification",
    "export_license",
    "patent_granted",
    "recruitment_surge",
    "executive_change",
    "bond_issuance_plan",
    "merger_acquisition",
    "park_relocation",
    "government_subsidy",
    "award_honor",
    "court_enforcement",
    "large_txn_frequency_up",
    "loan_nearing_maturity",
    "deposit_outflow",
    "new_payee_concentration",
    "payroll_growth",
    "fx_receipts_rising",
    "dormant_account_reactivated",
}


def test_at_least_seventy_event_types_with_the_required_ones() -> None:
    events = rd.load_event_types()
    assert len(events) >= 70
    assert set(events) >= REQUIRED_EVENTS


def test_event_fields_in_range_and_vocabulary() -> None:
    for code, event in rd.load_event_types().items():
        assert event.code == code
        assert event.category in rd.EVENT_CATEGORIES
        assert set(event.product_signals) <= set(rd.PRODUCT_SIGNALS)
        assert 1 <= event.value_tier <= 5
        assert 0 <= event.base_value <= 100
        assert event.half_life_days > 0
        assert (event.source == "internal") == (event.category == "internal")
        if event.category == "risk":
            assert event.polarity == "risk"


def test_internal_and_risk_events_exist() -> None:
    events = rd.load_event_types().values()
    assert sum(e.source == "internal" for e in events) >= 10
    assert sum(e.polarity == "risk" for e in events) >= 5


def test_value_decays_by_half_life() -> None:
    event = rd.load_event_types()["government_bid_won"]
    assert event.value_at(0) == event.base_value
    assert event.value_at(-5) == event.base_value
    assert event.value_at(event.half_life_days) == pytest.approx(event.base_value / 2)
    assert event.value_at(3 * event.half_life_days) == pytest.approx(event.base_value / 8)


def test_vocabularies_are_documented() -> None:
    header = _packaged("event_types.yaml").split("version:", 1)[0]
    docs = (REPO / "docs" / "reference-data.md").read_text(encoding="utf-8")
    for signal in rd.PRODUCT_SIGNALS:
        assert re.search(rf"\b{signal}\b", header), signal
        assert f"`{signal}`" in docs, signal
    for category in rd.EVENT_CATEGORIES:
        assert re.search(rf"\b{category}\b", header), category
        assert f"`{category}`" in docs, category


# ------------------------------------------------------------------- path override and errors


def _write(tmp_path: Path, name: str, doc: Any) -> Path:
    path = tmp_path / name
    text = yaml.dump(doc, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@cache
def _packaged_doc(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.load(_packaged(name), Loader=_LOADER)
    return doc


def _chains_doc() -> dict[str, Any]:
    return copy.deepcopy(_packaged_doc("chains.yaml"))


def _events_doc() -> dict[str, Any]:
    return copy.deepcopy(_packaged_doc("event_types.yaml"))


def test_path_override_and_cache_clear(tmp_path: Path) -> None:
    doc = _events_doc()
    doc["event_types"] = doc["event_types"][:3]
    path = _write(tmp_path, "events.yaml", doc)
    assert len(rd.load_event_types(path)) == 3
    doc["event_types"] = doc["event_types"][:2]
    _write(tmp_path, "events.yaml", doc)
    assert len(rd.load_event_types(path)) == 3  # cached
    rd.clear_caches()
    assert len(rd.load_event_types(path)) == 2
    assert len(rd.load_event_types()) >= 70  # packaged file unaffected


def test_chains_path_override(tmp_path: Path) -> None:
    doc = _chains_doc()
    doc["chains"] = [c for c in doc["chains"] if c["id"] == "biomed"]
    assert [c.id for c in rd.load_chains(_write(tmp_path, "c.yaml", doc))] == ["biomed"]


Mutation = Callable[[dict[str, Any]], None]


def _seg(doc: dict[str, Any], chain: int = 0, seg: int = 1) -> dict[str, Any]:
    segment: dict[str, Any] = doc["chains"][chain]["segments"][seg]
    return segment


def _set(target: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target(doc)[key] = value

    return mutate


def _first_chain(doc: dict[str, Any]) -> dict[str, Any]:
    chain: dict[str, Any] = doc["chains"][0]
    return chain


def _first_link(doc: dict[str, Any]) -> dict[str, Any]:
    link: dict[str, Any] = doc["chains"][0]["links"][0]
    return link


def _dup_segment(doc: dict[str, Any]) -> None:
    doc["chains"][0]["segments"].append(copy.deepcopy(_seg(doc)))


def _dup_chain(doc: dict[str, Any]) -> None:
    doc["chains"].append(copy.deepcopy(doc["chains"][0]))


def _typo_field(doc: dict[str, Any]) -> None:
    _seg(doc)["gbt_code"] = _seg(doc).pop("gbt_codes")


def _foreign_link_source(doc: dict[str, Any]) -> None:
    doc["chains"][0]["links"].append({"from": "ai.compute_chips", "to": "ic.design"})


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set(_seg, "gbt_codes", ["9999"]), r"unknown GB/T 4754-2017 class code '9999'"),
        (_set(_seg, "gbt_codes", ["397"]), r"not a 4-digit class GB/T 4754-2017 class code '397'"),
        (_set(_seg, "gbt_codes", [3973]), r"expected text, got int 3973 \(quote it in YAML\)"),
        (_set(_seg, "gbt_codes_broad", ["3985"]), r"3985 listed in both"),
        (_set(_seg, "position", "sidestream"), r"'sidestream' is not one of"),
        (_set(_seg, "keywords", []), r"keywords: must not be empty"),
        (_set(_seg, "id", "ai.stray"), r"must look like 'ic.<snake_case>'"),
        (_set(_first_link, "to", "ic.nowhere"), r"link to unknown segment 'ic.nowhere'"),
        (_set(_first_link, "kind", "buys_from"), r"'buys_from' is not one of"),
        (_set(_first_link, "to", "ic.eda_ip"), r"links to itself"),
        (_set(_first_chain, "id", "IC Chain"), r"must be ascii snake_case"),
        (_dup_segment, r"duplicate segment id 'ic.materials'"),
        (_dup_chain, r"duplicate chain id 'ic'"),
        (_typo_field, r"missing field\(s\): gbt_codes"),
        (_foreign_link_source, r"belongs to chain 'ai'; list the link there"),
    ],
)
def test_broken_chains_give_clear_errors(tmp_path: Path, mutate: Mutation, message: str) -> None:
    doc = _chains_doc()
    mutate(doc)
    path = _write(tmp_path, "chains.yaml", doc)
    with pytest.raises(rd.ReferenceDataError, match=message) as info:
        rd.load_chains(path)
    assert str(path) in str(info.value)


def _event(doc: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = doc["event_types"][0]
    return event


def _dup_event(doc: dict[str, Any]) -> None:
    doc["event_types"].append(copy.deepcopy(_event(doc)))


def _extra_event_field(doc: dict[str, Any]) -> None:
    _event(doc)["halflife"] = 10


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set(_event, "product_signals", ["credit", "crypto"]), r"unknown product signal 'crypto'"),
        (_set(_event, "product_signals", []), r"product_signals: must not be empty"),
        (_set(_event, "product_signals", ["credit", "credit"]), r"duplicate entry 'credit'"),
        (_set(_event, "value_tier", 6), r"value_tier must be an integer 1-5, got 6"),
        (_set(_event, "value_tier", 2.5), r"value_tier must be an integer 1-5"),
        (_set(_event, "value_tier", True), r"value_tier must be an integer 1-5"),
        (_set(_event, "base_value", 120), r"120 is out of range \[0, 100\]"),
        (_set(_event, "base_value", "high"), r"expected a number, got str"),
        (_set(_event, "half_life_days", 0), r"half_life_days must be greater than 0"),
        (_set(_event, "category", "gossip"), r"'gossip' is not one of"),
        (_set(_event, "source", "internal"), r"'internal' and source 'internal' go together"),
        (_set(_event, "code", "Bid-Won"), r"must be ascii snake_case"),
        (_set(_event, "polarity", "good"), r"'good' is not one of"),
        (_dup_event, r"duplicate event type code 'planned_project'"),
        (_extra_event_field, r"unknown field\(s\): halflife"),
    ],
)
def test_broken_event_types_give_clear_errors(
    tmp_path: Path, mutate: Mutation, message: str
) -> None:
    doc = _events_doc()
    mutate(doc)
    path = _write(tmp_path, "events.yaml", doc)
    with pytest.raises(rd.ReferenceDataError, match=message) as info:
        rd.load_event_types(path)
    assert str(path) in str(info.value)


def test_risk_event_must_have_risk_polarity(tmp_path: Path) -> None:
    doc = _events_doc()
    risk = next(e for e in doc["event_types"] if e["category"] == "risk")
    risk["polarity"] = "opportunity"
    with pytest.raises(rd.ReferenceDataError, match="must have polarity 'risk'"):
        rd.load_event_types(_write(tmp_path, "events.yaml", doc))


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("event_types: [\n  - code: x\n", encoding="utf-8")
    with pytest.raises(rd.ReferenceDataError, match="invalid YAML"):
        rd.load_event_types(bad)
    with pytest.raises(rd.ReferenceDataError, match="cannot read file"):
        rd.load_chains(tmp_path / "missing.yaml")


def test_wrong_top_level_shape(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(rd.ReferenceDataError, match="top level: expected a mapping"):
        rd.load_chains(path)
    path.write_text("version: 2\nevent_types: []\n", encoding="utf-8")
    with pytest.raises(rd.ReferenceDataError, match="unsupported version 2"):
        rd.load_event_types(path)
