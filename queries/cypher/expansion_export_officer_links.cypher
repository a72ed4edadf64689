// Expansion projection: every officer role of a person in an enterprise (the officer_companies
// family), one row per relationship (a person with two roles in one company: two rows).
// @column e string  enterprise uscc
// @column v string  person_id
// @column t string  OFFICER_OF (projected so that parallel roles are not collapsed)
MATCH (v:Person)-[r:OFFICER_OF]->(e:Enterprise)
RETURN e.uscc AS e, v.person_id AS v, type(r) AS t
