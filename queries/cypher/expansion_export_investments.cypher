// Expansion projection: every investment link between two distinct enterprises (the investees
// and investors families read it in opposite directions).
// (type(r) is carried so that FalkorDB keeps parallel relationships apart.)
// @column a string  investor's uscc
// @column b string  investee's uscc
MATCH (a:Enterprise)-[r:INVESTS_IN]->(b:Enterprise)
WHERE a <> b
WITH a, b, type(r) AS t
RETURN a.uscc AS a, b.uscc AS b
