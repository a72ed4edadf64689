// Ownership step downward: enterprises held or controlled by each enterprise or natural person.
// @param usccs list  holder enterprise usccs
// @param person_ids list  holder person ids
UNWIND $usccs AS k
MATCH (s:Enterprise {uscc: k})
WITH k, s
MATCH (s)-[r:HOLDS_SHARES|CONTROLS]->(t:Enterprise)
RETURN 'Enterprise' AS holder_label, k AS holder, t.uscc AS held, type(r) AS type,
       properties(r) AS props
UNION ALL
UNWIND $person_ids AS k
MATCH (s:Person {person_id: k})
WITH k, s
MATCH (s)-[r:HOLDS_SHARES]->(t:Enterprise)
RETURN 'Person' AS holder_label, k AS holder, t.uscc AS held, type(r) AS type,
       properties(r) AS props
