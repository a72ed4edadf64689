// Derive Enterprise._segment_ids again, from the graph, for the enterprises given by node id: a bulk build writes the value with the node and calls this only for enterprises that got IN_SEGMENT links after their node was written.
// @param ids list  node ids of enterprises whose chain segments changed after their node was written
UNWIND $ids AS id
MATCH (e:Enterprise)
WHERE id(e) = id
MATCH (e)-[m:IN_SEGMENT]->(s:ChainSegment)
WITH e, s.segment_id AS sid
ORDER BY sid
WITH e, collect(DISTINCT sid) AS ids
WITH e, ids, e._segment_ids IS NULL OR e._segment_ids <> ids AS stale
WHERE stale
SET e._segment_ids = ids
RETURN count(e) AS changed
