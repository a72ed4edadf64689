// Coverage of a park: its active enterprises (only those in the given chain segments, when some are given), how many are bank customers, broken down by serving branch, theme tag and chain segment. One row per group: kind all, branch, tag or segment.
// @param park_id string  the park
// @param segment_ids string[]  only enterprises in these segments (empty: every enterprise of the park)
// @param themes string[]  tags reported as theme groups
// @param include_inactive boolean  also count enterprises whose status is not active
MATCH (p:Park {park_id: $park_id})<-[l:LOCATED_IN]-(e:Enterprise)
WITH e
WHERE $include_inactive OR e.status IS NULL OR e.status = 'active'
OPTIONAL MATCH (e)-[m:IN_SEGMENT]->(s)
WITH e, collect(CASE WHEN s IS NULL THEN null ELSE [s.segment_id, s.name] END) AS segs
WITH e, CASE WHEN size($segment_ids) = 0 THEN segs ELSE [x IN segs WHERE x[0] IN $segment_ids] END AS segs
WHERE size($segment_ids) = 0 OR size(segs) > 0
OPTIONAL MATCH (e)-[c:CUSTOMER_OF]->(b)
WITH e, segs, collect(CASE WHEN b IS NULL THEN null ELSE [b.branch_id, b.name] END) AS branches
WITH e, size(branches) > 0 AS customer,
     [['all', '', '']] +
     [x IN branches | ['branch', x[0], x[1]]] +
     [t IN coalesce(e.tags, []) WHERE t IN $themes | ['tag', t, t]] +
     [x IN segs | ['segment', x[0], x[1]]] AS groups
UNWIND groups AS g
WITH g[0] AS kind, g[1] AS key, g[2] AS name, e, customer
RETURN kind, key, name, count(DISTINCT e) AS enterprises,
       count(DISTINCT CASE WHEN customer THEN e ELSE null END) AS customers
ORDER BY kind, key
