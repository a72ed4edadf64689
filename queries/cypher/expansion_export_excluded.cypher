// Expansion projection: the enterprises whose registration status is never a prospect (they still
// connect others).
// @param excluded list  registration statuses that are never prospects
// @column id integer  enterprise's internal node id
MATCH (e:Enterprise)
WHERE e.status IN $excluded
RETURN id(e) AS id
