// Expansion projection: every shareholding and control link between two distinct enterprises,
// for the batch expansion's in-memory copy of the graph (the shareholders and subsidiaries
// families read it in opposite directions).
// @column a string  holder's uscc
// @column b string  held enterprise's uscc
// @column t string  HOLDS_SHARES or CONTROLS
// @column pct float  percentage held (shareholdings)
MATCH (a:Enterprise)-[r:HOLDS_SHARES|CONTROLS]->(b:Enterprise)
WHERE a <> b
RETURN a.uscc AS a, b.uscc AS b, type(r) AS t, r.percentage AS pct
