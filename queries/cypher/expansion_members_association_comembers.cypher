// Expansion walk, co-members of the same association (MEMBER_OF), second half: per Association its
// first `limit` member links in uscc order, as uscc each (parallel links repeat). The caller asks
// for max_fanout plus the most links one source has to the Association, so every source's first
// max_fanout neighbours through it are there once the source itself is dropped. type(r) is
// projected so that FalkorDB enumerates parallel relationships.
// @param association_ids list  association ids
// @param limit integer  relationships kept per Association
UNWIND $association_ids AS vid
MATCH (v:Association {association_id: vid})
WITH vid, v
MATCH (v)<-[r:MEMBER_OF]-(x:Enterprise)
WITH vid, x.uscc AS dst, type(r) AS t ORDER BY vid, dst, t
RETURN vid AS via, collect(dst)[..$limit] AS members
