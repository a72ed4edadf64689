// One page of peers_park ranked elsewhere (the in-process member index, queries/peer_index.py): the same rows peers_park returns for the page, each peer with the parts of its path from the anchor. The ranking, filters and total are the caller's; peers_park is the whole query in Cypher.
// @param uscc string  the anchor enterprise's unified social credit code
// @param page list  the page's [uscc, chain_fit, scale, not_customer] rows in rank order
// @param total integer  the number of peers the filters keep
WITH $page AS page, $total AS total
MATCH (a:Enterprise {uscc: $uscc})
WITH a, total, page, [(a)-[le:LOCATED_IN]->(se:Park) | se.park_id] AS mine
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH a, mine, total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
OPTIONAL MATCH (b:Enterprise {uscc: row[0]})
WITH a, total, i, row, b,
     [(b)-[lc:LOCATED_IN]->(sc:Park) WHERE sc.park_id IN mine | sc.park_id] AS shared
WITH a, total, i, row, b, shared,
     reduce(m = null, x IN shared | CASE WHEN m IS NULL OR x < m THEN x ELSE m END) AS via
RETURN total, i, b AS enterprise, via, a AS anchor,
       [(a)-[ha:LOCATED_IN]->(hs:Park) WHERE hs.park_id = via | [ha, hs]] AS anchor_hops,
       [(b)-[hb:LOCATED_IN]->(ht:Park) WHERE ht.park_id = via | hb] AS peer_hops,
       shared,
       [(b)-[ib:IN_SEGMENT]->(sb:ChainSegment) | sb.segment_id] AS segments,
       [(b)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches,
       row[1] AS chain_fit, row[2] AS scale, row[3] AS not_customer
ORDER BY i
