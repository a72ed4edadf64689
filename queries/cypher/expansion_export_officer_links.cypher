// Expansion projection: every officer role of a person in an enterprise (the officer_companies
// family), one row per relationship (a person with two roles in one company: two rows).
// (type(r) is carried so that FalkorDB keeps parallel relationships apart.)
// @column e integer  enterprise's internal node id
// @column v string  person_id
MATCH (v:Person)-[r:OFFICER_OF]->(e:Enterprise)
WITH e, v, type(r) AS t
RETURN id(e) AS e, v.person_id AS v
