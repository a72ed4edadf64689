// Introduction step: neighbours of frontier nodes over the allowed relationship types, either
// direction, at most max_fanout per node (lowest keys first).
// @param usccs list  frontier enterprises
// @param person_ids list  frontier persons
// @param park_ids list  frontier parks
// @param association_ids list  frontier associations
// @param types list  relationship types to follow (checked against the graph model)
// @param max_fanout integer  neighbours kept per frontier node
UNWIND $usccs AS k
MATCH (n:Enterprise {uscc: k})
WITH k, n
MATCH (n)-[r]-(m)
WHERE type(r) IN $types
WITH k, r, m, startNode(r) = n AS outgoing,
     coalesce(m.uscc, m.person_id, m.park_id, m.association_id) AS m_key
ORDER BY k, m_key, type(r), outgoing
WITH k, collect({m_label: labels(m)[0], m_key: m_key, type: type(r), outgoing: outgoing,
                 props: properties(r)})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN 'Enterprise' AS label, k AS key, h.m_label AS m_label, h.m_key AS m_key, h.type AS type,
       h.outgoing AS outgoing, h.props AS props
UNION ALL
UNWIND $person_ids AS k
MATCH (n:Person {person_id: k})
WITH k, n
MATCH (n)-[r]-(m)
WHERE type(r) IN $types
WITH k, r, m, startNode(r) = n AS outgoing,
     coalesce(m.uscc, m.person_id, m.park_id, m.association_id) AS m_key
ORDER BY k, m_key, type(r), outgoing
WITH k, collect({m_label: labels(m)[0], m_key: m_key, type: type(r), outgoing: outgoing,
                 props: properties(r)})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN 'Person' AS label, k AS key, h.m_label AS m_label, h.m_key AS m_key, h.type AS type,
       h.outgoing AS outgoing, h.props AS props
UNION ALL
UNWIND $park_ids AS k
MATCH (n:Park {park_id: k})
WITH k, n
MATCH (n)-[r]-(m)
WHERE type(r) IN $types
WITH k, r, m, startNode(r) = n AS outgoing,
     coalesce(m.uscc, m.person_id, m.park_id, m.association_id) AS m_key
ORDER BY k, m_key, type(r), outgoing
WITH k, collect({m_label: labels(m)[0], m_key: m_key, type: type(r), outgoing: outgoing,
                 props: properties(r)})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN 'Park' AS label, k AS key, h.m_label AS m_label, h.m_key AS m_key, h.type AS type,
       h.outgoing AS outgoing, h.props AS props
UNION ALL
UNWIND $association_ids AS k
MATCH (n:Association {association_id: k})
WITH k, n
MATCH (n)-[r]-(m)
WHERE type(r) IN $types
WITH k, r, m, startNode(r) = n AS outgoing,
     coalesce(m.uscc, m.person_id, m.park_id, m.association_id) AS m_key
ORDER BY k, m_key, type(r), outgoing
WITH k, collect({m_label: labels(m)[0], m_key: m_key, type: type(r), outgoing: outgoing,
                 props: properties(r)})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN 'Association' AS label, k AS key, h.m_label AS m_label, h.m_key AS m_key, h.type AS type,
       h.outgoing AS outgoing, h.props AS props
