// The set-valued facts of the members of an industrial park, one row per member and value, for the in-process member index (queries/peer_index.py): field 0 its tags, 1 its chain segments (derived _segment_ids, as peers_park reads them), 2 its parks (to count a member of several searched parks once). Rows of scalars travel several times cheaper than a list per member.
// @param hub string  the Park's park_id
// @column uscc string  member enterprise
// @column field integer  0 tag, 1 chain segment, 2 Park
// @column value string  the tag, segment id or park_id
MATCH (:Park {park_id: $hub})<-[:LOCATED_IN]-(b:Enterprise)
UNWIND coalesce(b.tags, []) AS value
RETURN b.uscc AS uscc, 0 AS field, value
UNION ALL
MATCH (:Park {park_id: $hub})<-[:LOCATED_IN]-(b:Enterprise)
UNWIND coalesce(b._segment_ids, []) AS value
RETURN b.uscc AS uscc, 1 AS field, value
UNION ALL
MATCH (:Park {park_id: $hub})<-[:LOCATED_IN]-(b:Enterprise)
MATCH (b)-[:LOCATED_IN]->(h:Park)  // a second MATCH: the link to $hub counts too
RETURN b.uscc AS uscc, 2 AS field, h.park_id AS value
