// One page of peers_segment ranked elsewhere (the in-process member index, queries/peer_index.py): the same rows peers_segment returns for the page, each peer with the parts of its path from the anchor. The ranking, filters and total are the caller's; peers_segment is the whole query in Cypher. The anchor and its links to all its chain segments ([relationship, hub] pairs) come once, in the first row's anchor and anchor_hops (null in the other rows): a page's reply then carries them once, not once per peer; each row's anchor_via names the anchor's segment on the peer's path. A peer's segments are its derived _segment_ids (loaders/derive.py), as in the ranking.
// @param uscc string  the anchor enterprise's unified social credit code
// @param pairs list  [anchor segment, target segment] pairs (from peer_anchor), as for peers_segment
// @param page list  the page's [uscc, chain_fit, scale, not_customer] rows in rank order
// @param total integer  the number of peers the filters keep
WITH $page AS page, $total AS total
MATCH (a:Enterprise {uscc: $uscc})
WITH a, total, page, [(a)-[ha:IN_SEGMENT]->(hs:ChainSegment) | [ha, hs]] AS hubs
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH a, hubs, total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
OPTIONAL MATCH (b:Enterprise {uscc: row[0]})
WITH a, hubs, total, i, row, b, coalesce(b._segment_ids, []) AS segments
WITH a, hubs, total, i, row, b, segments,
     reduce(m = null, p IN [q IN $pairs WHERE q[1] IN segments] |
            CASE WHEN m IS NULL OR (CASE WHEN p[0] = p[1] THEN '0' ELSE '1' END + p[1] + '|' + p[0]) < m
                 THEN CASE WHEN p[0] = p[1] THEN '0' ELSE '1' END + p[1] + '|' + p[0] ELSE m END) AS best
WITH a, hubs, total, i, row, b, segments, split(substring(best, 1), '|') AS via
RETURN total, i, b AS enterprise, via[0] AS via, via[1] AS anchor_via,
       CASE WHEN i = 0 THEN a END AS anchor, CASE WHEN i = 0 THEN hubs END AS anchor_hops,
       [(b)-[hb:IN_SEGMENT]->(ht:ChainSegment) WHERE ht.segment_id = via[0] | [hb, ht]] AS peer_hops,
       [(a)-[ia2:IN_SEGMENT]->(x2:ChainSegment)-[d:UPSTREAM_OF]->(y2:ChainSegment)
        WHERE x2.segment_id = via[1] AND y2.segment_id = via[0] | d] AS down_links,
       [(a)-[ia3:IN_SEGMENT]->(x3:ChainSegment)<-[u:UPSTREAM_OF]-(y3:ChainSegment)
        WHERE x3.segment_id = via[1] AND y3.segment_id = via[0] | u] AS up_links,
       segments,
       [(b)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches,
       row[1] AS chain_fit, row[2] AS scale, row[3] AS not_customer
ORDER BY i
