// Expansion walk, co-tenants of the same park (LOCATED_IN), second half: per Park its first `limit`
// member links in uscc order, as uscc each (parallel links repeat). The caller asks for max_fanout
// plus the most links one source has to the Park, so every source's first max_fanout neighbours
// through it are there once the source itself is dropped. type(r) is projected so that FalkorDB
// enumerates parallel relationships.
// @param park_ids list  park ids
// @param limit integer  relationships kept per Park
UNWIND $park_ids AS vid
MATCH (v:Park {park_id: vid})
WITH vid, v
MATCH (v)<-[r:LOCATED_IN]-(x:Enterprise)
WITH vid, x.uscc AS dst, type(r) AS t ORDER BY vid, dst, t
RETURN vid AS via, collect(dst)[..$limit] AS members
