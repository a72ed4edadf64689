// The set-valued facts of the members of a chain segment, one row per member and value, for the in-process member index (queries/peer_index.py): field 0 its tags, 1 its chain segments (derived _segment_ids, as peers_segment reads them), 2 its segments (to count a member of several searched segments once). Rows of scalars travel several times cheaper than a list per member.
// @param hub string  the ChainSegment's segment_id
// @column uscc string  member enterprise
// @column field integer  0 tag, 1 chain segment, 2 ChainSegment
// @column value string  the tag, segment id or segment_id
MATCH (:ChainSegment {segment_id: $hub})<-[:IN_SEGMENT]-(b:Enterprise)
UNWIND coalesce(b.tags, []) AS value
RETURN b.uscc AS uscc, 0 AS field, value
UNION ALL
MATCH (:ChainSegment {segment_id: $hub})<-[:IN_SEGMENT]-(b:Enterprise)
UNWIND coalesce(b._segment_ids, []) AS value
RETURN b.uscc AS uscc, 1 AS field, value
UNION ALL
MATCH (:ChainSegment {segment_id: $hub})<-[:IN_SEGMENT]-(b:Enterprise)
MATCH (b)-[:IN_SEGMENT]->(h:ChainSegment)  // a second MATCH: the link to $hub counts too
RETURN b.uscc AS uscc, 2 AS field, h.segment_id AS value
