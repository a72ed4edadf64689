// One page of peers_association ranked elsewhere (the in-process member index, queries/peer_index.py): the same rows peers_association returns for the page, each peer with the parts of its path from the anchor. The ranking, filters and total are the caller's; peers_association is the whole query in Cypher.
// @param uscc string  the anchor enterprise's unified social credit code
// @param page list  the page's [uscc, chain_fit, scale, not_customer] rows in rank order
// @param total integer  the number of peers the filters keep
WITH $page AS page, $total AS total
MATCH (a:Enterprise {uscc: $uscc})
WITH a, total, page, [(a)-[me:MEMBER_OF]->(se:Association) | se.association_id] AS mine
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH a, mine, total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
OPTIONAL MATCH (b:Enterprise {uscc: row[0]})
WITH a, total, i, row, b,
     [(b)-[mc:MEMBER_OF]->(sc:Association) WHERE sc.association_id IN mine | sc.association_id] AS shared
WITH a, total, i, row, b, shared,
     reduce(m = null, x IN shared | CASE WHEN m IS NULL OR x < m THEN x ELSE m END) AS via
RETURN total, i, b AS enterprise, via, a AS anchor,
       [(a)-[ha:MEMBER_OF]->(hs:Association) WHERE hs.association_id = via | [ha, hs]] AS anchor_hops,
       [(b)-[hb:MEMBER_OF]->(ht:Association) WHERE ht.association_id = via | hb] AS peer_hops,
       shared,
       [(b)-[ib:IN_SEGMENT]->(sb:ChainSegment) | sb.segment_id] AS segments,
       [(b)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches,
       row[1] AS chain_fit, row[2] AS scale, row[3] AS not_customer
ORDER BY i
