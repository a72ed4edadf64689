// Expansion projection: every shareholding and control link between two distinct enterprises,
// for the batch expansion's in-memory copy of the graph (the shareholders and subsidiaries
// families read it in opposite directions).
// @column a integer  holder's internal node id
// @column b integer  held enterprise's internal node id
// @column t string  HOLDS_SHARES or CONTROLS
// @column pct float  percentage held (shareholdings)
MATCH (a:Enterprise)-[r:HOLDS_SHARES|CONTROLS]->(b:Enterprise)
WHERE a <> b
RETURN id(a) AS a, id(b) AS b, type(r) AS t, r.percentage AS pct
