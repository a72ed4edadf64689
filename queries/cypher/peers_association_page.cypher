// One page of peers_association ranked elsewhere (the in-process member index, queries/peer_index.py): the same rows peers_association returns for the page, each peer with the parts of its path from the anchor. The ranking, filters and total are the caller's; peers_association is the whole query in Cypher. The anchor and its links to all its associations ([relationship, hub] pairs) come once, in the first row's anchor and anchor_hops (null in the other rows): a page's reply then carries them once, not once per peer; each row's via names the hub on the peer's path. A peer's segments are its derived _segment_ids (loaders/derive.py), as in the ranking; its links to the shared hubs are read once, for shared and peer_hops.
// @param uscc string  the anchor enterprise's unified social credit code
// @param page list  the page's [uscc, chain_fit, scale, not_customer] rows in rank order
// @param total integer  the number of peers the filters keep
WITH $page AS page, $total AS total
MATCH (a:Enterprise {uscc: $uscc})
WITH a, total, page, [(a)-[ha:MEMBER_OF]->(hs:Association) | [ha, hs]] AS hubs
WITH a, total, page, hubs, [h IN hubs | h[1].association_id] AS mine
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH a, hubs, mine, total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
OPTIONAL MATCH (b:Enterprise {uscc: row[0]})
WITH a, hubs, total, i, row, b,
     [(b)-[mc:MEMBER_OF]->(sc:Association) WHERE sc.association_id IN mine | [mc, sc.association_id]] AS links
WITH a, hubs, total, i, row, b, links, [l IN links | l[1]] AS shared
WITH a, hubs, total, i, row, b, links, shared,
     reduce(m = null, x IN shared | CASE WHEN m IS NULL OR x < m THEN x ELSE m END) AS via
RETURN total, i, b AS enterprise, via, CASE WHEN i = 0 THEN a END AS anchor,
       CASE WHEN i = 0 THEN hubs END AS anchor_hops,
       [l IN links WHERE l[1] = via | l[0]] AS peer_hops,
       shared,
       coalesce(b._segment_ids, []) AS segments,
       [(b)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches,
       row[1] AS chain_fit, row[2] AS scale, row[3] AS not_customer
ORDER BY i
