// The chain segments among the given ids that exist, in id order.
// @param segment_ids string[]  segment ids, e.g. ic.design
UNWIND $segment_ids AS sid
MATCH (s:ChainSegment {segment_id: sid})
RETURN s.segment_id AS segment_id, s.name AS name, s.chain_id AS chain_id
ORDER BY segment_id
