// The set-valued facts of the members of an industry association, one row per member and value, for the in-process member index (queries/peer_index.py): field 0 its tags, 1 its chain segments (derived _segment_ids, as peers_association reads them), 2 its associations (to count a member of several searched associations once). Rows of scalars travel several times cheaper than a list per member.
// @param hub string  the Association's association_id
// @column uscc string  member enterprise
// @column field integer  0 tag, 1 chain segment, 2 Association
// @column value string  the tag, segment id or association_id
MATCH (:Association {association_id: $hub})<-[:MEMBER_OF]-(b:Enterprise)
UNWIND coalesce(b.tags, []) AS value
RETURN b.uscc AS uscc, 0 AS field, value
UNION ALL
MATCH (:Association {association_id: $hub})<-[:MEMBER_OF]-(b:Enterprise)
UNWIND coalesce(b._segment_ids, []) AS value
RETURN b.uscc AS uscc, 1 AS field, value
UNION ALL
MATCH (:Association {association_id: $hub})<-[:MEMBER_OF]-(b:Enterprise)
MATCH (b)-[:MEMBER_OF]->(h:Association)  // a second MATCH: the link to $hub counts too
RETURN b.uscc AS uscc, 2 AS field, h.association_id AS value
