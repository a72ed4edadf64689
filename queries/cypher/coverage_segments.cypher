// Coverage of an industry chain or some of its segments: the active enterprises in the given segments, how many are bank customers, broken down by serving branch, theme tag, segment and park. One row per group: kind all, branch, tag, segment or park.
// @param segment_ids string[]  the segments (all segments of a chain, or one)
// @param themes string[]  tags reported as theme groups
// @param include_inactive boolean  also count enterprises whose status is not active
UNWIND $segment_ids AS sid
MATCH (s:ChainSegment {segment_id: sid})<-[m:IN_SEGMENT]-(e:Enterprise)
WITH s, e
WHERE $include_inactive OR e.status IS NULL OR e.status = 'active'
WITH e, collect([s.segment_id, s.name]) AS segs
OPTIONAL MATCH (e)-[c:CUSTOMER_OF]->(b)
WITH e, segs, collect(CASE WHEN b IS NULL THEN null ELSE [b.branch_id, b.name] END) AS branches
OPTIONAL MATCH (e)-[l:LOCATED_IN]->(p)
WITH e, segs, branches, collect(CASE WHEN p IS NULL THEN null ELSE [p.park_id, p.name] END) AS parks
WITH e, size(branches) > 0 AS customer,
     [['all', '', '']] +
     [x IN branches | ['branch', x[0], x[1]]] +
     [t IN coalesce(e.tags, []) WHERE t IN $themes | ['tag', t, t]] +
     [x IN segs | ['segment', x[0], x[1]]] +
     [x IN parks | ['park', x[0], x[1]]] AS groups
UNWIND groups AS g
WITH g[0] AS kind, g[1] AS key, g[2] AS name, e, customer
RETURN kind, key, name, count(DISTINCT e) AS enterprises,
       count(DISTINCT CASE WHEN customer THEN e ELSE null END) AS customers
ORDER BY kind, key
