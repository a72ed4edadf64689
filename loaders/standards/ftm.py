"""FollowTheMoney entities → enterprises, persons, associations and the links between them.

FtM entities are JSON objects ``{"id", "schema", "properties": {name: [values]}}``, usually one per
line (``.ftm``/``.json``/``.jsonl``; a JSON array is read too). Every property is a list of strings.

* ``Company`` / ``Organization`` / ``LegalEntity`` / ``PublicBody`` with a unified social credit code
  (``uscCode``, or a ``registrationNumber`` / ``taxNumber`` that passes the check) → ``enterprises``;
* an ``Organization`` without one that is the ``organization`` of a ``Membership`` →
  ``associations`` (``association_id`` ``ftm-<id>``);
* ``Person`` → ``persons`` (``person_id`` ``ftm-<id>``, ``nationality`` upper-cased);
* ``Ownership`` (``owner`` → ``asset``, ``percentage``, ``startDate``) → ``shareholdings``;
* ``Directorship`` (``director`` → ``organization``, ``role``) → ``officers``; the role text maps
  to chairman, legal_representative, supervisor, general_manager, cfo or (default) director;
* ``Membership`` (``member`` → ``organization``, ``role``) → ``association_members``.

Interests with an ``endDate`` are ended and rejected; other schemas have no place in the model and
are rejected with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from ..readers import InputFile
from . import Collector, Converted, is_malformed, malformed_reason, number, read_json_records

ORGANISATIONS = {"Company", "Organization", "LegalEntity", "PublicBody"}
LINKS = {"Ownership", "Directorship", "Membership"}
#: Role text (lower-case, Chinese or English) -> officer role; first match wins.
OFFICER_ROLES = (
    ("法定代表人", "legal_representative"), ("legal representative", "legal_representative"),
    ("董事长", "chairman"), ("chair", "chairman"),
    ("监事", "supervisor"), ("supervisor", "supervisor"),
    ("总经理", "general_manager"), ("general manager", "general_manager"),
    ("ceo", "general_manager"), ("财务", "cfo"), ("cfo", "cfo"), ("chief financial", "cfo"),
    ("董事", "director"), ("director", "director"),
)
MEMBER_ROLES = (("副会长", "vice_president"), ("vice", "vice_president"), ("会长", "president"),
                ("president", "president"), ("理事", "director"), ("director", "director"))


def convert_ftm(files: Sequence[InputFile]) -> Converted:
    out = Collector("ftm")
    for file in files:
        _convert_file(file, out)
    return out.result()


def _first(props: dict[str, Any], name: str) -> str | None:
    values = props.get(name)
    if isinstance(values, list):
        for v in values:
            if v not in (None, ""):
                return str(v)
    elif values not in (None, ""):
        return str(values)
    return None


def _uscc(props: dict[str, Any]) -> str | None:
    for name in ("uscCode", "registrationNumber", "taxNumber"):
        values = props.get(name)
        for value in values if isinstance(values, list) else [values]:
            if value:
                code = stdnum_uscc.compact(str(value))
                if stdnum_uscc.is_valid(code):
                    return code
    return None


def _convert_file(file: InputFile, out: Collector) -> None:
    display = file.display
    entities: dict[str, tuple[int, str, dict[str, Any]]] = {}
    for row, item in read_json_records(file.path, display):
        if is_malformed(item):
            reason, text = malformed_reason(item)
            out.reject(display, row, "(entity)", text, reason)
            continue
        if not isinstance(item, dict) or not item.get("id") or not item.get("schema"):
            out.reject(display, row, "(entity)", item, "an FtM entity needs id and schema")
            continue
        props = item.get("properties") or {}
        if not isinstance(props, dict):
            out.reject(display, row, "properties", props, "properties must be an object")
            continue
        entities[str(item["id"])] = (row, str(item["schema"]), props)

    organisations_of_memberships = {
        _first(props, "organization") for _, schema, props in entities.values()
        if schema == "Membership"}
    enterprises: dict[str, str] = {}
    associations: set[str] = set()
    persons: set[str] = set()
    for entity_id, (row, schema, props) in entities.items():
        if schema in LINKS:
            continue
        if schema == "Person":
            name = _first(props, "name")
            if name is None:
                out.reject(display, row, "name", None, "person without a name")
                continue
            persons.add(entity_id)
            nationality = _first(props, "nationality") or _first(props, "citizenship")
            out.add(display, "persons", row, {
                "person_id": f"ftm-{entity_id}", "name": name,
                "nationality": nationality.upper() if nationality else None})
        elif schema in ORGANISATIONS:
            uscc = _uscc(props)
            if uscc is not None:
                enterprises[entity_id] = uscc
                out.add(display, "enterprises", row, {
                    "uscc": uscc,
                    "name": _first(props, "name"),
                    "established": (_first(props, "incorporationDate") or "")[:10] or None,
                    "address": _first(props, "address"),
                    "status": "cancelled" if _first(props, "dissolutionDate") else None,
                })
            elif schema == "Organization" and entity_id in organisations_of_memberships:
                associations.add(entity_id)
                out.add(display, "associations", row, {
                    "association_id": f"ftm-{entity_id}", "name": _first(props, "name")})
            else:
                out.reject(display, row, "uscCode", _first(props, "registrationNumber"),
                           f"{schema} {_first(props, 'name') or entity_id} has no unified social "
                           "credit code; the graph keys enterprises by it")
        else:
            out.reject(display, row, "schema", schema,
                       f"FtM schema {schema} has no equivalent in the graph model")

    for row, schema, props in entities.values():
        if schema not in LINKS:
            continue
        ended = _first(props, "endDate")
        if ended:
            out.reject(display, row, "endDate", ended, f"{schema} ended: not loaded")
            continue
        since = (_first(props, "startDate") or "")[:10] or None
        if schema == "Ownership":
            owner, asset = _first(props, "owner"), _first(props, "asset")
            if asset not in enterprises:
                out.reject(display, row, "asset", asset,
                           "the asset is not a company with a unified social credit code here")
                continue
            if owner in persons:
                holder = ("person", f"ftm-{owner}")
            elif owner in enterprises:
                holder = ("enterprise", enterprises[owner])
            else:
                out.reject(display, row, "owner", owner,
                           "the owner is not a person or a Chinese company in this file")
                continue
            out.add(display, "shareholdings", row, {
                "holder_type": holder[0], "holder_id": holder[1],
                "held_uscc": enterprises[str(asset)],
                "percentage": number(_first(props, "percentage")),
                "since": since})
        elif schema == "Directorship":
            director, org = _first(props, "director"), _first(props, "organization")
            if org not in enterprises:
                out.reject(display, row, "organization", org,
                           "the organization is not a company with a unified social credit code")
                continue
            if director not in persons:
                out.reject(display, row, "director", director,
                           "the director is not a person; the graph has person officers only")
                continue
            out.add(display, "officers", row, {
                "person_id": f"ftm-{director}", "uscc": enterprises[str(org)],
                "role": _role(_first(props, "role"), OFFICER_ROLES, "director"), "since": since})
        else:  # Membership
            member, org = _first(props, "member"), _first(props, "organization")
            if org not in associations:
                out.reject(display, row, "organization", org,
                           "the organization is not an association in this file")
                continue
            if member not in enterprises:
                out.reject(display, row, "member", member, "the member is not a company with a "
                           "unified social credit code; only enterprises join associations")
                continue
            out.add(display, "association_members", row, {
                "uscc": enterprises[str(member)], "association_id": f"ftm-{org}",
                "role": _role(_first(props, "role"), MEMBER_ROLES, "member"), "since": since})


def _role(text: str | None, table: tuple[tuple[str, str], ...], default: str) -> str:
    if text:
        folded = text.casefold()
        for needle, role in table:
            if needle in folded:
                return role
    return default
