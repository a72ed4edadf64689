// Expansion projection: the enterprises whose registration status is never a prospect (they still
// connect others).
// @param excluded list  registration statuses that are never prospects
// @column uscc string  enterprise uscc
MATCH (e:Enterprise)
WHERE e.status IN $excluded
RETURN e.uscc AS uscc
