// One step of the bounded corporate-group search: the control edges (CONTROLS, and HOLDS_SHARES above a percentage) that touch the given enterprises and persons, each with both end nodes. A person's majority holdings join the companies a person controls into one group when persons is true.
// @param usccs string[]  enterprises on the search frontier
// @param person_ids string[]  persons on the search frontier
// @param majority float  a shareholding controls when its percentage is above this
// @param persons boolean  follow majority holdings of persons too
UNWIND $usccs AS key
MATCH (n:Enterprise {uscc: key})-[r:CONTROLS|HOLDS_SHARES]-(m)
WITH r, m
WHERE (type(r) = 'CONTROLS' OR r.percentage > $majority) AND (m:Enterprise OR ($persons AND m:Person))
RETURN startNode(r) AS src, r AS rel, endNode(r) AS dst
UNION
UNWIND $person_ids AS key
MATCH (n:Person {person_id: key})-[r:HOLDS_SHARES]->(m:Enterprise)
WITH n, r, m
WHERE $persons AND r.percentage > $majority
RETURN n AS src, r AS rel, m AS dst
