// Derive Enterprise._segment_ids: remove it from enterprises that are no longer in any chain segment, at most $batch per run.
// @param batch integer  most enterprises changed per run
MATCH (e:Enterprise)
WHERE e._segment_ids IS NOT NULL AND NOT (e)-[:IN_SEGMENT]->(:ChainSegment)
WITH e LIMIT $batch
SET e._segment_ids = null
RETURN count(e) AS changed
