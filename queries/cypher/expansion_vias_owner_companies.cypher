// Expansion walk, other companies of the source's natural-person shareholders (HOLDS_SHARES), first
// half: per source enterprise one row with [person_id, percentage] of each of its links to a
// Person. The second half, expansion_members_owner_companies, lists each Person's members once per
// batch instead of once per source. type(r) is projected so that FalkorDB enumerates parallel
// relationships (unused, it collapses them).
// @param sources list  source enterprise usccs
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)<-[r:HOLDS_SHARES]-(v:Person)
RETURN src, collect([v.person_id, r.percentage]) AS vias
