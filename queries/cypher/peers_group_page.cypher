// One page of peers_group ranked elsewhere (the in-process control graph, queries/group_index.py): the page's members with the facts peers_group returns, the other nodes on their control paths from the anchor, and those paths' relationships. The group search, ranking and total are the caller's; group_control_edges and peers_group are the whole query in Cypher.
// @param usccs string[]  enterprises on the page's paths (the anchor, the page's members and the enterprises between)
// @param person_ids string[]  persons on the page's paths
// @param enterprise_links list  the paths' relationships between enterprises as [holder uscc, held uscc, relationship type]
// @param person_links list  the paths' shareholdings of persons as [person_id, held uscc]
UNWIND $usccs AS key
MATCH (n:Enterprise {uscc: key})
RETURN n AS node, [(n)-[ib:IN_SEGMENT]->(sb:ChainSegment) | sb.segment_id] AS segments,
       [(n)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches,
       null AS rel, null AS holder, null AS held
UNION ALL
UNWIND $person_ids AS key
MATCH (n:Person {person_id: key})
RETURN n AS node, [] AS segments, [] AS branches, null AS rel, null AS holder, null AS held
UNION ALL
UNWIND $enterprise_links AS link
MATCH (s:Enterprise {uscc: link[0]})-[r:CONTROLS|HOLDS_SHARES]->(t:Enterprise {uscc: link[1]})
WITH link, s, r, t
WHERE type(r) = link[2]
RETURN null AS node, [] AS segments, [] AS branches, r AS rel, 'Enterprise:' + s.uscc AS holder,
       'Enterprise:' + t.uscc AS held
UNION ALL
UNWIND $person_links AS link
MATCH (s:Person {person_id: link[0]})-[r:HOLDS_SHARES]->(t:Enterprise {uscc: link[1]})
RETURN null AS node, [] AS segments, [] AS branches, r AS rel, 'Person:' + s.person_id AS holder,
       'Enterprise:' + t.uscc AS held
