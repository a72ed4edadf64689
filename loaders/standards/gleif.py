"""GLEIF golden-copy CSV → enterprises (Level 1) and controls (Level 2 relationship records).

The golden copy publishes Level 1 LEI records (``LEI``, ``Entity.LegalName``,
``Entity.RegistrationAuthority.RegistrationAuthorityEntityID`` …) and Level 2 relationship records
(``Relationship.StartNode.NodeID`` = the child, ``Relationship.EndNode.NodeID`` = the parent,
``Relationship.RelationshipType``, ``Relationship.RelationshipStatus``,
``Relationship.Period.<n>.startDate`` …, ``Registration.RegistrationStatus``) as CSV. Put both in
``gleif/``: the graph keys enterprises by unified social credit code, which for Chinese entities is
the registration-authority entity id of the Level 1 record, so relationships resolve LEIs through
the Level 1 records of the same load.

* Level 1 record with a valid USCC → ``enterprises`` (name, address, creation date, status);
* ``IS_DIRECTLY_CONSOLIDATED_BY`` (active, not retired/annulled) → ``controls`` with basis
  ``consolidated``;
* ``IS_ULTIMATELY_CONSOLIDATED_BY`` is rejected: the chain of direct parents is loaded instead, and
  a shortcut edge would double-count control paths; fund and branch relationship types have no
  equivalent in the model.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from ..errors import LoadError
from ..readers import InputFile
from . import Collector, Converted

L1_REQUIRED = ("LEI", "Entity.LegalName")
RR_REQUIRED = ("Relationship.StartNode.NodeID", "Relationship.EndNode.NodeID",
               "Relationship.RelationshipType")
DROPPED_REGISTRATIONS = {"ANNULLED", "DUPLICATE", "RETIRED", "MERGED"}
DROPPED_RR_REGISTRATIONS = {"ANNULLED", "DUPLICATE", "RETIRED", "TRANSFERRED"}
OTHER_TYPES = {
    "IS_ULTIMATELY_CONSOLIDATED_BY": "ultimate-parent relationships are not loaded: the chain of "
                                     "direct parents is, and a shortcut would double-count",
    "IS_INTERNATIONAL_BRANCH_OF": "branches have no equivalent in the graph model",
    "IS_FUND-MANAGED_BY": "fund management has no equivalent in the graph model",
    "IS_SUBFUND_OF": "sub-funds have no equivalent in the graph model",
    "IS_FEEDER_TO": "feeder funds have no equivalent in the graph model",
}


def convert_gleif(files: Sequence[InputFile]) -> Converted:
    out = Collector("gleif")
    level1: list[tuple[InputFile, list[str], list[tuple[int, list[str]]]]] = []
    level2: list[tuple[InputFile, list[str], list[tuple[int, list[str]]]]] = []
    for file in files:
        if file.fmt != "csv":
            raise LoadError(file.display, "GLEIF files must be golden-copy CSV files")
        header, rows = _read_csv(file)
        if all(c in header for c in RR_REQUIRED):
            level2.append((file, header, rows))
        elif all(c in header for c in L1_REQUIRED):
            level1.append((file, header, rows))
        else:
            raise LoadError(file.display, "neither a GLEIF Level 1 (LEI, Entity.LegalName, …) "
                            "nor a Level 2 relationship file (Relationship.StartNode.NodeID, …)")
    lei_to_uscc: dict[str, str] = {}
    for file, header, rows in level1:
        _level1(file, header, rows, lei_to_uscc, out)
    for file, header, rows in level2:
        _level2(file, header, rows, lei_to_uscc, out)
    return out.result()


def _read_csv(file: InputFile) -> tuple[list[str], list[tuple[int, list[str]]]]:
    try:
        with file.path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            rows = [(i, row) for i, row in enumerate(reader, start=1) if row]
    except UnicodeDecodeError as exc:
        raise LoadError(file.display, "not UTF-8 text (GLEIF files are UTF-8)") from exc
    except OSError as exc:
        raise LoadError(file.display, f"cannot read: {exc.strerror or exc}") from exc
    if not header:
        raise LoadError(file.display, "the file is empty (no header row)")
    return header, rows


def _getter(header: list[str]) -> Any:
    index = {name: i for i, name in enumerate(header)}

    def get(row: list[str], name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    return get


def _level1(file: InputFile, header: list[str], rows: list[tuple[int, list[str]]],
            lei_to_uscc: dict[str, str], out: Collector) -> None:
    get = _getter(header)
    display = file.display
    for no, row in rows:
        if len(row) != len(header):
            out.reject(display, no, "(row)", ",".join(row),
                       f"the row has {len(row)} fields but the header has {len(header)}")
            continue
        lei = get(row, "LEI")
        status = get(row, "Registration.RegistrationStatus")
        if status in DROPPED_REGISTRATIONS:
            out.reject(display, no, "Registration.RegistrationStatus", status,
                       f"LEI {lei} is {status.lower()}: not loaded")
            continue
        ra_id = stdnum_uscc.compact(get(row, "Entity.RegistrationAuthority."
                                             "RegistrationAuthorityEntityID"))
        country = get(row, "Entity.LegalJurisdiction") or get(row, "Entity.LegalAddress.Country")
        if not stdnum_uscc.is_valid(ra_id):
            out.reject(display, no, "Entity.RegistrationAuthority.RegistrationAuthorityEntityID",
                       ra_id, f"LEI {lei} ({country or 'unknown jurisdiction'}) has no unified "
                       "social credit code; the graph keys enterprises by it")
            continue
        lei_to_uscc[lei] = ra_id
        line = get(row, "Entity.LegalAddress.FirstAddressLine")
        city = get(row, "Entity.LegalAddress.City")
        entity_status = get(row, "Entity.EntityStatus")
        out.add(display, "enterprises", no, {
            "uscc": ra_id,
            "name": get(row, "Entity.LegalName"),
            "address": " ".join(p for p in (city, line) if p) or None,
            "established": get(row, "Entity.EntityCreationDate")[:10] or None,
            "status": {"ACTIVE": "active", "INACTIVE": "cancelled"}.get(entity_status),
        })


def _level2(file: InputFile, header: list[str], rows: list[tuple[int, list[str]]],
            lei_to_uscc: dict[str, str], out: Collector) -> None:
    get = _getter(header)
    display = file.display
    for no, row in rows:
        if len(row) != len(header):
            out.reject(display, no, "(row)", ",".join(row),
                       f"the row has {len(row)} fields but the header has {len(header)}")
            continue
        type_ = get(row, "Relationship.RelationshipType")
        if type_ in OTHER_TYPES:
            out.reject(display, no, "Relationship.RelationshipType", type_, OTHER_TYPES[type_])
            continue
        if type_ != "IS_DIRECTLY_CONSOLIDATED_BY":
            out.reject(display, no, "Relationship.RelationshipType", type_,
                       "unknown relationship type")
            continue
        status = get(row, "Relationship.RelationshipStatus")
        if status and status != "ACTIVE":
            out.reject(display, no, "Relationship.RelationshipStatus", status,
                       "inactive relationship: not loaded")
            continue
        registration = get(row, "Registration.RegistrationStatus")
        if registration in DROPPED_RR_REGISTRATIONS:
            out.reject(display, no, "Registration.RegistrationStatus", registration,
                       f"relationship record is {registration.lower()}: not loaded")
            continue
        ends: dict[str, str] = {}
        for end in ("StartNode", "EndNode"):
            node_type = get(row, f"Relationship.{end}.NodeIDType")
            node_id = get(row, f"Relationship.{end}.NodeID")
            if node_type and node_type != "LEI":
                ends[end] = ""
                out.reject(display, no, f"Relationship.{end}.NodeIDType", node_type,
                           "only LEI nodes can be resolved")
                break
            uscc = lei_to_uscc.get(node_id)
            if uscc is None:
                ends[end] = ""
                out.reject(display, no, f"Relationship.{end}.NodeID", node_id,
                           f"LEI {node_id} has no Level 1 record with a unified social credit "
                           "code among the gleif files")
                break
            ends[end] = uscc
        if len(ends) < 2 or not all(ends.values()):
            continue
        out.add(display, "controls", no, {"parent_uscc": ends["EndNode"],
                                          "subsidiary_uscc": ends["StartNode"],
                                          "basis": "consolidated"})
