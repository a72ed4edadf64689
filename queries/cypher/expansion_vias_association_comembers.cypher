// Expansion walk, co-members of the same association (MEMBER_OF), first half: per source enterprise
// one row with the association_id of each of its links to a Association. The second half,
// expansion_members_association_comembers, lists each Association's members once per batch instead
// of once per source. type(r) is projected so that FalkorDB enumerates parallel relationships
// (unused, it collapses them).
// @param sources list  source enterprise usccs
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)-[r:MEMBER_OF]->(v:Association)
WITH src, v.association_id AS vid, type(r) AS t
RETURN src, collect(vid) AS vias
