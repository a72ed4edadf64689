// Expansion projection: every enterprise's membership of an association (the
// association_comembers family), one row per relationship (parallel links repeat).
// (type(r) is carried so that FalkorDB keeps parallel relationships apart.)
// @column e integer  enterprise's internal node id
// @column v string  association_id
MATCH (e:Enterprise)-[r:MEMBER_OF]->(v:Association)
WITH e, v, type(r) AS t
RETURN id(e) AS e, v.association_id AS v
