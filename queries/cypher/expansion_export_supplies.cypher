// Expansion projection: every supply link between two distinct enterprises (the suppliers and
// buyers families read it in opposite directions).
// (type(r) is carried so that FalkorDB keeps parallel relationships apart.)
// @column a string  supplier's uscc
// @column b string  buyer's uscc
MATCH (a:Enterprise)-[r:SUPPLIES]->(b:Enterprise)
WHERE a <> b
WITH a, b, type(r) AS t
RETURN a.uscc AS a, b.uscc AS b
