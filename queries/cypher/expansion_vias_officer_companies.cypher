// Expansion walk, other companies of the source's officers (OFFICER_OF), first half: per source
// enterprise one row with the person_id of each of its links to a Person. The second half,
// expansion_members_officer_companies, lists each Person's members once per batch instead of once
// per source. type(r) is projected so that FalkorDB enumerates parallel relationships (unused, it
// collapses them).
// @param sources list  source enterprise usccs
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)<-[r:OFFICER_OF]-(v:Person)
WITH src, v.person_id AS vid, type(r) AS t
RETURN src, collect(vid) AS vias
