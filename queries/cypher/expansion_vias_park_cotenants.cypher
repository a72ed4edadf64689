// Expansion walk, co-tenants of the same park (LOCATED_IN), first half: per source enterprise one
// row with the park_id of each of its links to a Park. The second half,
// expansion_members_park_cotenants, lists each Park's members once per batch instead of once per
// source. type(r) is projected so that FalkorDB enumerates parallel relationships (unused, it
// collapses them).
// @param sources list  source enterprise usccs
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)-[r:LOCATED_IN]->(v:Park)
WITH src, v.park_id AS vid, type(r) AS t
RETURN src, collect(vid) AS vias
