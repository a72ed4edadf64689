"""The demo data generator at 1k enterprises: valid codes, consistent references, realistic shape."""

from __future__ import annotations

import collections
import filecmp
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from stdnum.cn import uscc as stdnum_uscc

from chainscout.loaders.demo import GenerationSummary, generate
from chainscout.loaders.demo.codes import org_code_is_valid
from chainscout.loaders.demo.geography import load_geography
from chainscout.loaders.demo.writer import KINDS
from chainscout.loaders.formats import record_kinds
from chainscout.loaders.reference_data import (
    is_valid_class_code,
    load_event_types,
    segments_for_class,
)

N = 1000
LAT = (18.0, 53.6)
LNG = (73.5, 135.1)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out, N, seed=7)


@pytest.fixture(scope="module")
def frames(demo: tuple[Path, GenerationSummary]) -> dict[str, pd.DataFrame]:
    out, _ = demo
    return {kind: pd.read_csv(out / f"{kind}.csv", dtype=str, keep_default_na=False)
            for kind in KINDS}


def test_writes_every_kind_with_contract_columns(demo: tuple[Path, GenerationSummary],
                                                 frames: dict[str, pd.DataFrame]) -> None:
    out, summary = demo
    contract = record_kinds()
    assert set(contract) - set(KINDS) == {"enterprise_segments"}  # the loader derives those
    for kind, fields in KINDS.items():
        assert (out / f"{kind}.csv").is_file()
        assert list(frames[kind].columns) == [name for name, _ in fields]
        assert summary.counts[kind] == len(frames[kind]) > 0
        spec = contract[kind]
        assert set(frames[kind].columns) <= {f.name for f in spec.fields}, kind
        for fld in spec.fields:
            column = frames[kind].get(fld.name)
            if fld.required:
                assert column is not None and (column != "").all(), (kind, fld.name)
            if fld.choices and column is not None:
                values = column[column != ""]
                if fld.is_list:
                    values = values.str.split(";").explode()
                assert set(values) <= set(fld.choices), (kind, fld.name)
    assert len(frames["enterprises"]) == N
    assert summary.highlights


def test_deterministic_for_a_seed(demo: tuple[Path, GenerationSummary], tmp_path: Path) -> None:
    out, _ = demo
    generate(tmp_path / "again", N, seed=7)
    generate(tmp_path / "other", N, seed=8)
    for kind in KINDS:
        name = f"{kind}.csv"
        assert filecmp.cmp(out / name, tmp_path / "again" / name, shallow=False), name
    assert not filecmp.cmp(out / "enterprises.csv", tmp_path / "other" / "enterprises.csv",
                           shallow=False)


def test_usccs_are_valid_unique_and_registered_in_the_district(
        frames: dict[str, pd.DataFrame]) -> None:
    ent = frames["enterprises"]
    assert ent["uscc"].is_unique
    for code, district in zip(ent["uscc"], ent["district_code"], strict=True):
        assert stdnum_uscc.is_valid(code), code
        assert org_code_is_valid(code), code
        assert code[:2] == "91" and code[2:8] == district
    new_style = ent["uscc"].str[8:10] == "MA"
    assert (ent.loc[new_style, "established"] >= "2015-10-01").all()
    assert (ent.loc[~new_style, "established"] < "2015-10-01").all()


def test_codes_names_and_places_are_real(frames: dict[str, pd.DataFrame]) -> None:
    ent = frames["enterprises"]
    assert all(is_valid_class_code(c) for c in ent["industry_code"])
    assert ent["name"].is_unique
    assert ent["name"].str.endswith(("有限公司", "（有限合伙）")).all()
    districts = set(load_geography().district_code.tolist())
    for kind in ("enterprises", "parks", "branches"):
        frame = frames[kind]
        assert set(frame["district_code"]) <= districts, kind
        lat, lng = frame["lat"].astype(float), frame["lng"].astype(float)
        assert lat.between(*LAT).all() and lng.between(*LNG).all(), kind
    assert set(frames["associations"]["district_code"]) <= districts
    # Mass sits in the focus cities.
    top = {"310", "440", "110", "320", "330", "510", "420", "340", "610"}
    assert ent["district_code"].str[:3].isin(top).mean() > 0.5


def test_ownership_never_exceeds_100_percent(frames: dict[str, pd.DataFrame]) -> None:
    sh = frames["shareholdings"]
    pct = sh["percentage"].astype(float)
    assert (pct > 0).all()
    assert pct.groupby(sh["held_uscc"]).sum().max() <= 100.0 + 1e-6
    assert not sh.duplicated(["holder_type", "holder_id", "held_uscc"]).any()
    assert (sh["holder_id"] != sh["held_uscc"]).all()


def test_references_resolve(frames: dict[str, pd.DataFrame]) -> None:
    usccs = set(frames["enterprises"]["uscc"])
    persons = set(frames["persons"]["person_id"])
    assert frames["persons"]["person_id"].is_unique
    parks = set(frames["parks"]["park_id"])
    branches = set(frames["branches"]["branch_id"])
    assocs = set(frames["associations"]["association_id"])
    sh = frames["shareholdings"]
    assert set(sh.loc[sh.holder_type == "person", "holder_id"]) <= persons
    assert set(sh.loc[sh.holder_type == "enterprise", "holder_id"]) <= usccs
    assert set(sh["held_uscc"]) <= usccs
    for kind, cols in {
        "investments": ("investor_uscc", "investee_uscc"),
        "controls": ("parent_uscc", "subsidiary_uscc"),
        "officers": ("uscc",),
        "supplies": ("supplier_uscc", "customer_uscc"),
        "park_members": ("uscc",),
        "association_members": ("uscc",),
        "customers": ("uscc",),
        "events": ("uscc",),
    }.items():
        for col in cols:
            assert set(frames[kind][col]) <= usccs, (kind, col)
    cp = frames["events"]["counterparty_uscc"]
    assert set(cp[cp != ""]) <= usccs
    assert set(frames["officers"]["person_id"]) <= persons
    assert set(frames["park_members"]["park_id"]) <= parks
    assert set(frames["association_members"]["association_id"]) <= assocs
    assert set(frames["customers"]["branch_id"]) <= branches
    parents = frames["branches"]["parent_id"]
    assert set(parents[parents != ""]) <= branches
    assert frames["customers"]["uscc"].is_unique
    assert frames["park_members"]["uscc"].is_unique


def test_every_enterprise_has_one_legal_representative(frames: dict[str, pd.DataFrame]) -> None:
    off = frames["officers"]
    reps = off[off["role"] == "legal_representative"]
    assert reps["uscc"].is_unique and len(reps) == N
    names = dict(zip(frames["persons"]["person_id"], frames["persons"]["name"], strict=True))
    ent = frames["enterprises"].set_index("uscc")["legal_representative"]
    assert all(names[p] == ent[u] for p, u in zip(reps["person_id"], reps["uscc"], strict=True))
    assert not off.duplicated(["person_id", "uscc", "role"]).any()


def test_groups_are_multilevel_and_controls_follow_majority(
        frames: dict[str, pd.DataFrame]) -> None:
    ctl = frames["controls"]
    assert ctl["subsidiary_uscc"].is_unique
    parent = dict(zip(ctl["subsidiary_uscc"], ctl["parent_uscc"], strict=True))

    def depth(u: str) -> int:
        d = 0
        while u in parent:
            u, d = parent[u], d + 1
        return d

    assert max(depth(u) for u in parent) >= 3
    sh = frames["shareholdings"].set_index(["holder_id", "held_uscc"])["percentage"]
    majority = ctl[ctl["basis"] != "agreement"]
    assert all(float(sh[(p, s)]) > 50 for p, s in zip(majority["parent_uscc"],
                                                       majority["subsidiary_uscc"], strict=True))


def test_events_use_the_catalogue_and_the_window(frames: dict[str, pd.DataFrame]) -> None:
    ev = frames["events"]
    types = load_event_types()
    assert set(ev["type"]) <= set(types)
    assert ev["event_id"].is_unique
    assert ev["date"].between("2025-06-01", "2025-06-30").all()
    counts = ev["type"].value_counts()
    assert counts.iloc[0] >= 5 * counts.iloc[-1]  # rates differ by type
    internal = ev[ev["type"].map(lambda t: types[t].source == "internal")]
    assert set(internal["uscc"]) <= set(frames["customers"]["uscc"])


def test_customers_skew_large(frames: dict[str, pd.DataFrame]) -> None:
    ent = frames["enterprises"]
    cust = ent["uscc"].isin(frames["customers"]["uscc"])
    assert 0.08 <= cust.mean() <= 0.15
    by_size = cust.groupby(ent["size"]).mean()
    assert by_size["large"] > by_size["micro"] * 3


def test_park_tenants_cluster_by_chain(frames: dict[str, pd.DataFrame]) -> None:
    ent = frames["enterprises"].set_index("uscc")
    members = frames["park_members"]
    leading = dict(zip(frames["parks"]["park_id"],
                       frames["parks"]["leading_industries"].str.split(";"), strict=True))
    checked = 0
    for park_id, group in members.groupby("park_id"):
        chains = collections.Counter(
            chain
            for u in group["uscc"]
            for chain in {s.chain_id for s in segments_for_class(
                str(ent.at[u, "industry_code"]), str(ent.at[u, "name"]))})
        if len(group) < 5:
            continue
        top, count = chains.most_common(1)[0]
        assert count / len(group) > 0.5, (park_id, chains)
        assert top in leading[park_id]
        checked += 1
    assert checked >= 3


def test_flagship_and_gap_park(frames: dict[str, pd.DataFrame]) -> None:
    ent = frames["enterprises"]
    flagship = ent[ent["name"].str.startswith("申芯")]
    assert len(flagship) == 12
    members = frames["park_members"]
    hefei = members[members["park_id"] == "hefei_hitech"]["uscc"]
    rows = ent[ent["uscc"].isin(hefei)]
    assert not any(s.id == "ic.packaging_test"
                   for c, n in zip(rows["industry_code"], rows["name"], strict=True)
                   for s in segments_for_class(c, n))


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_other_formats_hold_the_same_records(demo: tuple[Path, GenerationSummary],
                                             frames: dict[str, pd.DataFrame], tmp_path: Path,
                                             fmt: str) -> None:
    summary = generate(tmp_path, N, seed=7, fmt=fmt)  # type: ignore[arg-type]
    assert summary.counts == demo[1].counts
    if fmt == "parquet":
        table = pq.read_table(tmp_path / "customers.parquet")
        products = table.column("products").to_pylist()
    else:
        with (tmp_path / "customers.jsonl").open(encoding="utf-8") as fh:
            products = [json.loads(line)["products"] for line in fh]
    assert [";".join(p) for p in products] == frames["customers"]["products"].tolist()


def test_rejects_tiny_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        generate(tmp_path, 10)


def test_jsonl_encoder_matches_json_across_batches(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow as pa

    from chainscout.loaders.demo import writer

    monkeypatch.setattr(writer, "JSONL_BATCH_ROWS", 2)
    table = pa.table({
        "s": pa.array(['x"y\\z', "中文\n\t", None, "q", "r"]),
        "f": pa.array([1500.0, 31.123456, None, 0.5, -2.0]),
        "i": pa.array([1, None, 3, 4, 5], type=pa.int64()),
        "l": pa.array([["a", 'b"'], [], None, ["z"], ["y", "x"]], type=pa.list_(pa.string())),
    })
    writer._write_jsonl(table, tmp_path / "fast.jsonl")
    writer._write_jsonl_slow(table, tmp_path / "slow.jsonl")
    read = [[json.loads(line) for line in (tmp_path / name).read_text("utf-8").splitlines()]
            for name in ("fast.jsonl", "slow.jsonl")]
    assert read[0] == read[1] == table.to_pylist()
