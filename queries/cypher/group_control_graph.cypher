// Every control edge of the graph, as scalar rows, for the in-process control graph of group peers (queries/group_index.py): CONTROLS, and HOLDS_SHARES above a percentage from enterprises and from persons — the edges group_control_edges follows one level at a time.
// @param floor float  a shareholding is kept when its percentage is above this (the lowest majority the index answers)
// @column holder string  the controlling enterprise's USCC or the holding person's person_id
// @column person integer  1 when the holder is a Person
// @column held string  the controlled or held enterprise's USCC
// @column controls integer  1 for CONTROLS, 0 for HOLDS_SHARES
// @column percentage float  the shareholding's percentage (null for CONTROLS)
MATCH (s:Enterprise)-[c:CONTROLS]->(t:Enterprise)
RETURN s.uscc AS holder, 0 AS person, t.uscc AS held, 1 AS controls, null AS percentage
UNION ALL
MATCH (s:Enterprise)-[r:HOLDS_SHARES]->(t:Enterprise)
WITH s, r, t
WHERE r.percentage > $floor
RETURN s.uscc AS holder, 0 AS person, t.uscc AS held, 0 AS controls,
       toFloat(r.percentage) AS percentage
UNION ALL
MATCH (s:Person)-[r:HOLDS_SHARES]->(t:Enterprise)
WITH s, r, t
WHERE r.percentage > $floor
RETURN s.person_id AS holder, 1 AS person, t.uscc AS held, 0 AS controls,
       toFloat(r.percentage) AS percentage
