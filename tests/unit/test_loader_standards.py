"""Open standards: BODS 0.4, GLEIF Level 2 and FollowTheMoney samples become the same records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chainscout.loaders.errors import LoadError
from chainscout.loaders.readers import InputFile
from chainscout.loaders.standards import Converted, convert

DATA = Path(__file__).resolve().parents[1] / "data" / "standards"


def files(standard: str) -> list[InputFile]:
    out = []
    for path in sorted((DATA / standard).iterdir()):
        fmt = "csv" if path.suffix == ".csv" else "json"
        out.append(InputFile(path, f"{standard}/{path.name}", standard, fmt))
    return out


def records(converted: Converted, kind: str) -> list[dict[str, Any]]:
    return [r for src in converted.sources if src.kind == kind for _, r in src.records]


def reasons(converted: Converted) -> list[tuple[int, str, str]]:
    return [(r.row_number, r.field, r.reason) for r in converted.rejects]


def test_bods_statements() -> None:
    out = convert("bods", files("bods"))
    assert records(out, "enterprises") == [
        {"uscc": "91310000L30P8774P4", "name": "上海华芯集成电路控股股份有限公司",
         "established": "2008-06-18", "address": "上海市浦东新区张江路188号", "status": None},
        {"uscc": "913101153MPWH2JD1M", "name": "上海华芯微电子设计有限公司",
         "established": "2012-09-01", "address": "上海市浦东新区碧波路690号", "status": None},
    ]
    assert records(out, "persons") == [
        {"person_id": "bods-person-wang-li", "name": "王立", "nationality": "CN"}]
    assert records(out, "shareholdings") == [
        {"holder_type": "person", "holder_id": "bods-person-wang-li",
         "held_uscc": "91310000L30P8774P4", "percentage": 60.0, "since": "2008-06-18"},
        {"holder_type": "enterprise", "holder_id": "91310000L30P8774P4",
         "held_uscc": "913101153MPWH2JD1M", "percentage": 87.5, "since": "2012-09-01"},
    ]
    assert records(out, "officers") == [
        {"person_id": "bods-person-wang-li", "uscc": "91310000L30P8774P4", "role": "chairman",
         "since": "2016-01-01"}]
    assert records(out, "controls") == [
        {"parent_uscc": "91310000L30P8774P4", "subsidiary_uscc": "913101153MPWH2JD1M",
         "basis": "majority_shares"}]
    assert [(row, field) for row, field, _ in reasons(out)] == [
        (2, "recordId"), (4, "identifiers"), (6, "names"), (7, "interests.type"),
        (9, "interestedParty"), (10, "interestedParty")]
    assert out.unmapped == {"bods/huaxin-ownership.json": 6}


def test_bods_legacy_statements_are_read_too(tmp_path: Path) -> None:
    statements = [
        {"statementID": "e1", "statementType": "entityStatement", "entityType":
         "registeredEntity", "name": "甲公司", "identifiers": [
             {"scheme": "CN-USCI", "id": "91310115MA1K4B2X1X"}]},
        {"statementID": "p1", "statementType": "personStatement", "personType": "knownPerson",
         "names": [{"type": "individual", "fullName": "李四"}]},
        {"statementID": "r1", "statementType": "ownershipOrControlStatement",
         "subject": {"describedByEntityStatement": "e1"},
         "interestedParty": {"describedByPersonStatement": "p1"},
         "interests": [{"type": "shareholding", "share": {"minimum": 25, "maximum": 50}}]},
    ]
    (tmp_path / "old.json").write_text(json.dumps(statements), encoding="utf-8")
    out = convert("bods", [InputFile(tmp_path / "old.json", "bods/old.json", "bods", "json")])
    assert records(out, "shareholdings") == [
        {"holder_type": "person", "holder_id": "bods-p1", "held_uscc": "91310115MA1K4B2X1X",
         "percentage": 37.5, "since": None}]
    assert out.rejects == []


def test_gleif_level1_and_relationship_records() -> None:
    out = convert("gleif", files("gleif"))
    assert [r["uscc"] for r in records(out, "enterprises")] == [
        "91440300NLNHD7EJ8P", "91110108RU0QR5NDAP", "91330100846YQA32C9"]
    first = records(out, "enterprises")[0]
    assert first["name"] == "深圳鹏达新能源科技有限公司" and first["status"] == "active"
    assert first["established"] == "2011-03-15"
    assert records(out, "controls") == [
        {"parent_uscc": "91110108RU0QR5NDAP", "subsidiary_uscc": "91330100846YQA32C9",
         "basis": "consolidated"},
        {"parent_uscc": "91440300NLNHD7EJ8P", "subsidiary_uscc": "91110108RU0QR5NDAP",
         "basis": "consolidated"},
    ]
    got = reasons(out)
    assert [(row, field) for row, field, _ in got] == [
        (4, "Entity.RegistrationAuthority.RegistrationAuthorityEntityID"),
        (5, "Registration.RegistrationStatus"),
        (3, "Relationship.RelationshipType"),
        (4, "Relationship.EndNode.NodeID"),
        (5, "Relationship.RelationshipStatus"),
    ]


def test_gleif_needs_golden_copy_csv(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(LoadError, match="neither a GLEIF Level 1"):
        convert("gleif", [InputFile(tmp_path / "x.csv", "gleif/x.csv", "gleif", "csv")])


def test_followthemoney_entities() -> None:
    out = convert("ftm", files("ftm"))
    assert [r["uscc"] for r in records(out, "enterprises")] == [
        "91440300NLNHD7EJ8P", "915101003BUBK8R1PX", "91420100EH3XC2H9T1"]
    assert records(out, "associations") == [
        {"association_id": "ftm-cn-org-battery-assoc", "name": "中国化学与物理电源行业协会"}]
    assert records(out, "persons")[0] == {"person_id": "ftm-cn-person-chen", "name": "陈海峰",
                                          "nationality": "CN"}
    assert records(out, "shareholdings") == [
        {"holder_type": "person", "holder_id": "ftm-cn-person-chen",
         "held_uscc": "91440300NLNHD7EJ8P", "percentage": 51.0, "since": "2011-03-15"},
        {"holder_type": "enterprise", "holder_id": "91440300NLNHD7EJ8P",
         "held_uscc": "915101003BUBK8R1PX", "percentage": 70.0, "since": "2018-10-08"},
    ]
    assert [(r["person_id"], r["role"]) for r in records(out, "officers")] == [
        ("ftm-cn-person-chen", "chairman"), ("ftm-cn-person-liu", "cfo")]
    assert records(out, "association_members") == [
        {"uscc": "91440300NLNHD7EJ8P", "association_id": "ftm-cn-org-battery-assoc",
         "role": "vice_president", "since": "2019-04-01"}]
    assert sorted(field for _, field, _ in reasons(out)) == [
        "director", "endDate", "member", "owner", "schema", "uscCode"]
