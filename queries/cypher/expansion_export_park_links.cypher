// Expansion projection: every enterprise's link to a park (the park_cotenants family), one row
// per relationship (parallel links repeat).
// @column e string  enterprise uscc
// @column v string  park_id
// @column t string  LOCATED_IN (projected so that parallel links are not collapsed)
MATCH (e:Enterprise)-[r:LOCATED_IN]->(v:Park)
RETURN e.uscc AS e, v.park_id AS v, type(r) AS t
