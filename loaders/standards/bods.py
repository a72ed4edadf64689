"""Open Ownership BODS 0.4 statements → enterprises, persons, shareholdings, officers, controls.

BODS 0.4 files are JSON arrays (or JSON Lines) of statements with ``recordId``, ``recordType``
(``entity``, ``person``, ``relationship``), ``recordStatus`` and ``recordDetails``; relationships
name their ``subject`` and ``interestedParty`` by ``recordId`` and carry ``interests`` (type, share
with ``exact`` / ``minimum`` / ``maximum``, ``startDate``). The older 0.2/0.3 shape
(``statementType`` … ``ownershipOrControlStatement`` with ``describedByEntityStatement``) is read
too. Several statements of one record are updates: the latest (by ``statementDate``) wins.

Mapping to the graph model:

* entity → ``enterprises`` when one identifier is a unified social credit code (scheme ``CN-USCI``
  per org-id.guide; ``CN-USCC``/``CN-SAMR``/``CN-SAIC`` are accepted too); others are rejected;
* person → ``persons`` with ``person_id`` ``bods-<recordId>``;
* interest ``shareholding`` → ``shareholdings`` (``exact``, else the middle of the range);
* ``boardMember`` → officer ``director``, ``boardChair`` → ``chairman``,
  ``seniorManagingOfficial`` → ``general_manager`` (persons only);
* an entity's ``votingRights`` over 50 %, ``appointmentOfBoard``, ``controlViaCompanyRulesOrArticles``
  or ``otherInfluenceOrControl`` → ``controls`` (``majority_shares`` / ``agreement``);
* every other interest, closed records and superseded statements are rejected with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from ..readers import InputFile
from . import (
    USCC_SCHEMES,
    Collector,
    Converted,
    is_malformed,
    malformed_reason,
    number,
    read_json_records,
)

PERSON_ROLES = {"boardMember": "director", "boardChair": "chairman",
                "seniorManagingOfficial": "general_manager"}
ENTITY_CONTROL = {"appointmentOfBoard", "controlViaCompanyRulesOrArticles",
                  "otherInfluenceOrControl", "votingRights"}


def convert_bods(files: Sequence[InputFile]) -> Converted:
    out = Collector("bods")
    for file in files:
        _convert_file(file, out)
    return out.result()


def _normalise(statement: dict[str, Any]) -> dict[str, Any] | None:
    """A 0.2/0.3 statement in the 0.4 shape (recordId, recordType, recordDetails)."""
    if "recordType" in statement:
        return statement
    kind = statement.get("statementType")
    sid = statement.get("statementID") or statement.get("statementId")
    if kind == "entityStatement":
        return {**statement, "recordId": sid, "recordType": "entity", "recordDetails": statement}
    if kind == "personStatement":
        return {**statement, "recordId": sid, "recordType": "person", "recordDetails": statement}
    if kind == "ownershipOrControlStatement":
        subject = (statement.get("subject") or {}).get("describedByEntityStatement")
        party = statement.get("interestedParty") or {}
        party_id = party.get("describedByPersonStatement") or party.get(
            "describedByEntityStatement") or party
        details = {**statement, "subject": subject, "interestedParty": party_id}
        return {**statement, "recordId": sid, "recordType": "relationship",
                "recordDetails": details}
    return None


def _convert_file(file: InputFile, out: Collector) -> None:
    display = file.display
    latest: dict[str, tuple[int, dict[str, Any]]] = {}
    for row, item in read_json_records(file.path, display):
        if is_malformed(item):
            reason, text = malformed_reason(item)
            out.reject(display, row, "(statement)", text, reason)
            continue
        if not isinstance(item, dict):
            out.reject(display, row, "(statement)", item, "a statement must be a JSON object")
            continue
        statement = _normalise(item)
        if statement is None or statement.get("recordType") not in ("entity", "person",
                                                                     "relationship"):
            out.reject(display, row, "recordType", item.get("recordType") or item.get(
                "statementType"), "not an entity, person or relationship statement")
            continue
        record_id = str(statement.get("recordId") or "")
        if not record_id:
            out.reject(display, row, "recordId", None, "statement without recordId")
            continue
        previous = latest.get(record_id)
        if previous is not None:
            older, newer = sorted([previous, (row, statement)],
                                  key=lambda p: (str(p[1].get("statementDate") or ""), p[0]))
            out.reject(display, older[0], "recordId", record_id,
                       f"superseded by the statement at row {newer[0]} for the same record")
            latest[record_id] = newer
        else:
            latest[record_id] = (row, statement)

    entities: dict[str, str] = {}  # recordId -> uscc
    persons: set[str] = set()
    for record_id, (row, st) in latest.items():
        if st["recordType"] == "relationship":
            continue
        if st.get("recordStatus") == "closed":
            out.reject(display, row, "recordStatus", "closed", "closed record: not loaded")
            continue
        details = st.get("recordDetails") or {}
        if st["recordType"] == "entity":
            uscc, shown = _uscc(details.get("identifiers") or [])
            if uscc is None:
                out.reject(display, row, "identifiers", shown,
                           "entity has no Chinese unified social credit code (scheme CN-USCI); "
                           "the graph keys enterprises by it")
                continue
            entities[record_id] = uscc
            out.add(display, "enterprises", row, {
                "uscc": uscc,
                "name": details.get("name"),
                "established": _date(details.get("foundingDate")),
                "address": _address(details.get("addresses") or []),
                "status": "cancelled" if details.get("dissolutionDate") else None,
            })
        else:
            name = _person_name(details.get("names") or [])
            if name is None:
                out.reject(display, row, "names", details.get("personType"),
                           "person without a name (unknown or anonymous person)")
                continue
            persons.add(record_id)
            nationality = None
            for nat in details.get("nationalities") or []:
                if isinstance(nat, dict) and nat.get("code"):
                    nationality = str(nat["code"]).upper()
                    break
            out.add(display, "persons", row, {"person_id": f"bods-{record_id}", "name": name,
                                              "nationality": nationality})

    for row, st in latest.values():
        if st["recordType"] != "relationship":
            continue
        if st.get("recordStatus") == "closed":
            out.reject(display, row, "recordStatus", "closed", "closed relationship: not loaded")
            continue
        details = st.get("recordDetails") or {}
        subject = details.get("subject")
        party = details.get("interestedParty")
        held = entities.get(str(subject)) if isinstance(subject, str) else None
        if held is None:
            out.reject(display, row, "subject", subject,
                       "the subject is not an entity with a unified social credit code here")
            continue
        if not isinstance(party, str):
            out.reject(display, row, "interestedParty", party,
                       "the interested party is unknown or unspecified")
            continue
        if party in persons:
            holder_type, holder_id = "person", f"bods-{party}"
        elif party in entities:
            holder_type, holder_id = "enterprise", entities[party]
        else:
            out.reject(display, row, "interestedParty", party,
                       "the interested party is not a person or a Chinese entity in this file")
            continue
        interests = details.get("interests") or []
        if not interests:
            out.reject(display, row, "interests", None, "relationship without interests")
        for interest in interests:
            _interest(display, row, interest, holder_type, holder_id, held, out)


def _interest(display: str, row: int, interest: Any, holder_type: str, holder_id: str,
              held: str, out: Collector) -> None:
    if not isinstance(interest, dict):
        out.reject(display, row, "interests", interest, "an interest must be a JSON object")
        return
    type_ = str(interest.get("type") or "")
    if interest.get("endDate"):
        out.reject(display, row, "interests.endDate", interest["endDate"],
                   f"{type_ or 'interest'} ended: not loaded")
        return
    since = _date(interest.get("startDate"))
    share = _share(interest.get("share"))
    if type_ == "shareholding":
        out.add(display, "shareholdings", row, {
            "holder_type": holder_type, "holder_id": holder_id, "held_uscc": held,
            "percentage": share, "since": since})
    elif holder_type == "person" and type_ in PERSON_ROLES:
        out.add(display, "officers", row, {"person_id": holder_id, "uscc": held,
                                          "role": PERSON_ROLES[type_], "since": since})
    elif holder_type == "enterprise" and type_ in ENTITY_CONTROL and (
            type_ != "votingRights" or (share is not None and share > 50)):
        basis = "majority_shares" if type_ == "votingRights" else "agreement"
        out.add(display, "controls", row, {"parent_uscc": holder_id, "subsidiary_uscc": held,
                                          "basis": basis})
    else:
        who = "a person" if holder_type == "person" else "an entity"
        out.reject(display, row, "interests.type", type_,
                   f"interest {type_!r} of {who} has no equivalent in the graph model")


def _uscc(identifiers: list[Any]) -> tuple[str | None, str]:
    shown: list[str] = []
    for ident in identifiers:
        if not isinstance(ident, dict):
            continue
        scheme = str(ident.get("scheme") or ident.get("schemeName") or "")
        value = str(ident.get("id") or "")
        shown.append(f"{scheme} {value}".strip())
        name = str(ident.get("schemeName") or "")
        if scheme in USCC_SCHEMES or "统一社会信用代码" in name or "social credit" in name.lower():
            code = stdnum_uscc.compact(value)
            if stdnum_uscc.is_valid(code):
                return code, ""
    return None, "; ".join(shown)


def _person_name(names: list[Any]) -> str | None:
    best: str | None = None
    for entry in names:
        if not isinstance(entry, dict):
            continue
        full = entry.get("fullName") or " ".join(
            str(entry[k]) for k in ("familyName", "givenName") if entry.get(k))
        if not full:
            continue
        if entry.get("type") in ("legal", "individual"):
            return str(full)
        best = best or str(full)
    return best


def _address(addresses: list[Any]) -> str | None:
    ranked = sorted((a for a in addresses if isinstance(a, dict) and a.get("address")),
                    key=lambda a: 0 if a.get("type") == "registered" else 1)
    return str(ranked[0]["address"]) if ranked else None


def _date(value: Any) -> str | None:
    """BODS dates may be partial (1965-10); only full dates are kept."""
    if not value:
        return None
    text = str(value)[:10]
    return text if len(text) == 10 else None


def _share(share: Any) -> float | None:
    if not isinstance(share, dict):
        return None
    exact = number(share.get("exact"))
    if exact is not None:
        return exact
    low = number(share.get("minimum", share.get("exclusiveMinimum")))
    high = number(share.get("maximum", share.get("exclusiveMaximum")))
    if low is not None and high is not None:
        return (low + high) / 2
    return low if low is not None else high
