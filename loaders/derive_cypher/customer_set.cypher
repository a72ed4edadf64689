// Derive Enterprise._is_customer: mark enterprises that have a CUSTOMER_OF relationship and are not marked yet, at most $batch per run.
// @param batch integer  most enterprises changed per run
MATCH (e:Enterprise)-[c:CUSTOMER_OF]->()
WITH DISTINCT e
WHERE e._is_customer IS NULL
WITH e LIMIT $batch
SET e._is_customer = true
RETURN count(e) AS changed
