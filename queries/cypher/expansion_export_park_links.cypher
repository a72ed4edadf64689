// Expansion projection: every enterprise's link to a park (the park_cotenants family), one row
// per relationship (parallel links repeat).
// (type(r) is carried so that FalkorDB keeps parallel relationships apart.)
// @column e integer  enterprise's internal node id
// @column v string  park_id
MATCH (e:Enterprise)-[r:LOCATED_IN]->(v:Park)
WITH e, v, type(r) AS t
RETURN id(e) AS e, v.park_id AS v
