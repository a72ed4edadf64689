// Expansion projection: every investment link between two distinct enterprises (the investees
// and investors families read it in opposite directions).
// (type(r) is carried so that FalkorDB keeps parallel relationships apart.)
// @column a integer  investor enterprise's internal node id
// @column b integer  investee enterprise's internal node id
MATCH (a:Enterprise)-[r:INVESTS_IN]->(b:Enterprise)
WHERE a <> b
WITH a, b, type(r) AS t
RETURN id(a) AS a, id(b) AS b
