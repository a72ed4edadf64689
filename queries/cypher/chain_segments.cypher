// The segments of an industry chain, in id order.
// @param chain_id string  the chain's id, e.g. ic
MATCH (c:IndustryChain {chain_id: $chain_id})<-[r:PART_OF]-(s:ChainSegment)
RETURN s.segment_id AS segment_id, s.name AS name, s.position AS position
ORDER BY segment_id
