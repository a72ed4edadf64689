// Expansion projection: every natural-person shareholding (the owner_companies family), one row
// per relationship.
// @column e integer  enterprise's internal node id
// @column v string  person_id
// @column pct float  percentage held
MATCH (v:Person)-[r:HOLDS_SHARES]->(e:Enterprise)
RETURN id(e) AS e, v.person_id AS v, r.percentage AS pct
