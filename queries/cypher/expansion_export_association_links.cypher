// Expansion projection: every enterprise's membership of an association (the
// association_comembers family), one row per relationship (parallel links repeat).
// @column e string  enterprise uscc
// @column v string  association_id
// @column t string  MEMBER_OF (projected so that parallel links are not collapsed)
MATCH (e:Enterprise)-[r:MEMBER_OF]->(v:Association)
RETURN e.uscc AS e, v.association_id AS v, type(r) AS t
