// Derive Enterprise._segment_ids: the sorted ids of the enterprise's chain segments, written where missing or different, at most $batch per run.
// @param batch integer  most enterprises changed per run
MATCH (e:Enterprise)-[m:IN_SEGMENT]->(s:ChainSegment)
WITH e, s.segment_id AS sid
ORDER BY sid
WITH e, collect(DISTINCT sid) AS ids
WITH e, ids, e._segment_ids IS NULL OR e._segment_ids <> ids AS stale
WHERE stale
WITH e, ids LIMIT $batch
SET e._segment_ids = ids
RETURN count(e) AS changed
