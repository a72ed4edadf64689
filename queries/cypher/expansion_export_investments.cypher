// Expansion projection: every investment link between two distinct enterprises (the investees
// and investors families read it in opposite directions).
// @column a string  investor's uscc
// @column b string  investee's uscc
// @column t string  INVESTS_IN (projected so that parallel links are not collapsed)
MATCH (a:Enterprise)-[r:INVESTS_IN]->(b:Enterprise)
WHERE a <> b
RETURN a.uscc AS a, b.uscc AS b, type(r) AS t
