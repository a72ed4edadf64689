// Peers in the same industry-chain segment(s) as an enterprise, and in the segments directly up- or downstream of them (UPSTREAM_OF either way): filtered and ranked by chain fit (same segment 1, adjacent segment 0.5), scale (log10(1 + registered capital in 万元) / 5, capped at 1) and not being a customer, then USCC. One page plus the total; each peer comes with the parts of its path anchor -[:IN_SEGMENT]-> segment (-[:UPSTREAM_OF]- segment) <-[:IN_SEGMENT]- peer: the anchor's link to its segment, the peer's to the target segment and the UPSTREAM_OF link between them either way (none when they are the same), returned apart because a path pattern between two bound nodes expands the whole segment on FalkorDB. The anchor and its links to all its chain segments ([relationship, hub] pairs) come once, in the first row's anchor and anchor_hops (null in the other rows): a page's reply then carries them once, not once per peer; each row's anchor_via names the anchor's segment on the peer's path. A peer's segments are its derived _segment_ids (loaders/derive.py), as in the ranking.
// @param uscc string  the anchor enterprise's unified social credit code
// @param pairs list  [anchor segment, target segment] pairs (from peer_anchor): [s, s] for the anchor's own segments, [s, n] for a neighbour n of s
// @param tags string[]  peers carry all of these tags (empty: any)
// @param sizes string[]  peers' size class is one of these (empty: any)
// @param district string?  peers' district code starts with this (province, city or district code; null: anywhere)
// @param customer boolean?  true: only bank customers, false: only non-customers, null: both
// @param include_inactive boolean  also list enterprises whose status is not active
// @param w map  weights of the score parts chain_fit, scale and not_customer
// @param skip integer  page offset
// @param limit integer  page size
MATCH (a:Enterprise {uscc: $uscc})
WITH a, [p IN $pairs WHERE p[0] = p[1] | p[0]] AS own
UNWIND $pairs AS pair
WITH DISTINCT a, own, pair[1] AS sid
MATCH (s:ChainSegment {segment_id: sid})<-[ib:IN_SEGMENT]-(b:Enterprise)
WITH a, own, b, size([t IN $tags WHERE t IN coalesce(b.tags, [])]) = size($tags) AS tagged
WHERE b <> a AND tagged
  AND ($include_inactive OR b.status IS NULL OR b.status = 'active')
  AND ($district IS NULL OR b.district_code STARTS WITH $district)
  AND (size($sizes) = 0 OR b.size IN $sizes)
WITH DISTINCT own, b
WITH own, b, coalesce(b._is_customer, false) AS is_customer
WHERE $customer IS NULL OR is_customer = $customer
WITH b.uscc AS key,
     CASE WHEN any(x IN coalesce(b._segment_ids, []) WHERE x IN own) THEN 1.0 ELSE 0.5 END AS chain_fit,
     CASE WHEN coalesce(b.registered_capital, 0.0) <= 0 THEN 0.0
          WHEN b.registered_capital >= 99999.0 THEN 1.0
          ELSE log10(1.0 + b.registered_capital) / 5.0 END AS scale,
     CASE WHEN is_customer THEN 0.0 ELSE 1.0 END AS not_customer
WITH key, chain_fit, scale, not_customer,
     $w.chain_fit * chain_fit + $w.scale * scale + $w.not_customer * not_customer AS score
ORDER BY score DESC, key
WITH collect([key, chain_fit, scale, not_customer]) AS ranked
WITH size(ranked) AS total, ranked[$skip..$skip + $limit] AS page
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
