// Expansion projection: every supply link between two distinct enterprises (the suppliers and
// buyers families read it in opposite directions).
// (type(r) is carried so that FalkorDB keeps parallel relationships apart.)
// @column a integer  supplier enterprise's internal node id
// @column b integer  buyer enterprise's internal node id
MATCH (a:Enterprise)-[r:SUPPLIES]->(b:Enterprise)
WHERE a <> b
WITH a, b, type(r) AS t
RETURN id(a) AS a, id(b) AS b
