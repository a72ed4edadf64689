// The set-valued facts of the members of a chain segment, one row per member and value, for the in-process member index (queries/market_index.py): field 0 its tags, 1 its parks, 2 its associations.
// @param hub string  the ChainSegment's segment_id
// @column uscc string  member enterprise
// @column field integer  0 tag, 1 Park, 2 Association
// @column value string  the tag, park_id or association_id
MATCH (:ChainSegment {segment_id: $hub})<-[:IN_SEGMENT]-(b:Enterprise)
UNWIND coalesce(b.tags, []) AS value
RETURN b.uscc AS uscc, 0 AS field, value
UNION ALL
MATCH (:ChainSegment {segment_id: $hub})<-[:IN_SEGMENT]-(b:Enterprise)-[:LOCATED_IN]->(p:Park)
RETURN b.uscc AS uscc, 1 AS field, p.park_id AS value
UNION ALL
MATCH (:ChainSegment {segment_id: $hub})<-[:IN_SEGMENT]-(b:Enterprise)-[:MEMBER_OF]->(a:Association)
RETURN b.uscc AS uscc, 2 AS field, a.association_id AS value
