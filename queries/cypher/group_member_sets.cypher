// The set-valued facts of the enterprises of one corporate group, one row per member and value, for the in-process control graph (queries/group_index.py): field 0 its tags, 1 its chain segments (derived _segment_ids, as peers_group reads them).
// @param usccs string[]  the enterprises of the group
// @column uscc string  member enterprise
// @column field integer  0 tag, 1 chain segment
// @column value string  the tag or segment id
UNWIND $usccs AS key
MATCH (b:Enterprise {uscc: key})
UNWIND coalesce(b.tags, []) AS value
RETURN b.uscc AS uscc, 0 AS field, value
UNION ALL
UNWIND $usccs AS key
MATCH (b:Enterprise {uscc: key})
UNWIND coalesce(b._segment_ids, []) AS value
RETURN b.uscc AS uscc, 1 AS field, value
