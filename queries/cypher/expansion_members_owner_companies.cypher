// Expansion walk, other companies of the source's natural-person shareholders (HOLDS_SHARES),
// second half: per Person its first `limit` member links in uscc order, as [uscc, percentage] each
// (parallel links repeat). The caller asks for max_fanout plus the most links one source has to the
// Person, so every source's first max_fanout neighbours through it are there once the source itself
// is dropped. type(r) is projected so that FalkorDB enumerates parallel relationships.
// @param person_ids list  person ids
// @param limit integer  relationships kept per Person
UNWIND $person_ids AS vid
MATCH (v:Person {person_id: vid})
WITH vid, v
MATCH (v)-[r:HOLDS_SHARES]->(x:Enterprise)
WITH vid, x.uscc AS dst, type(r) AS t, r.percentage AS pct ORDER BY vid, dst, t
RETURN vid AS via, collect([dst, pct])[..$limit] AS members
