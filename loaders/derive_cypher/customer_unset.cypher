// Derive Enterprise._is_customer: unmark enterprises that no longer have a CUSTOMER_OF relationship, at most $batch per run.
// @param batch integer  most enterprises changed per run
MATCH (e:Enterprise)
WHERE e._is_customer IS NOT NULL AND NOT (e)-[:CUSTOMER_OF]->()
WITH e LIMIT $batch
SET e._is_customer = null
RETURN count(e) AS changed
