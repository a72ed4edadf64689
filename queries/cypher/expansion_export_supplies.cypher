// Expansion projection: every supply link between two distinct enterprises (the suppliers and
// buyers families read it in opposite directions).
// @column a string  supplier's uscc
// @column b string  buyer's uscc
// @column t string  SUPPLIES (projected so that parallel links are not collapsed)
MATCH (a:Enterprise)-[r:SUPPLIES]->(b:Enterprise)
WHERE a <> b
RETURN a.uscc AS a, b.uscc AS b, type(r) AS t
