// Peers in the same industrial park(s) as an enterprise ("who else is in this park?"), filtered and ranked by chain fit (in one of the anchor's chain segments 1, in a segment up- or downstream of them 0.5), scale (log10(1 + registered capital in 万元) / 5, capped at 1) and not being a customer, then USCC. One page plus the total; each peer comes with the parts of its path anchor -[:LOCATED_IN]-> park <-[:LOCATED_IN]- peer (lowest park id when they share several parks): the anchor's link to that park and the peer's, returned apart because a two-hop pattern between two bound nodes expands the whole park on FalkorDB. The anchor and its links to all its parks ([relationship, hub] pairs) come once, in the first row's anchor and anchor_hops (null in the other rows): a page's reply then carries them once, not once per peer; each row's via names the hub on the peer's path. A peer's segments are its derived _segment_ids (loaders/derive.py), as in the ranking; its links to the shared hubs are read once, for shared and peer_hops.
// @param uscc string  the anchor enterprise's unified social credit code
// @param own string[]  the anchor's chain segments (from peer_anchor)
// @param near string[]  the segments up- or downstream of them (from peer_anchor)
// @param tags string[]  peers carry all of these tags (empty: any)
// @param sizes string[]  peers' size class is one of these (empty: any)
// @param district string?  peers' district code starts with this (province, city or district code; null: anywhere)
// @param customer boolean?  true: only bank customers, false: only non-customers, null: both
// @param include_inactive boolean  also list enterprises whose status is not active
// @param w map  weights of the score parts chain_fit, scale and not_customer
// @param skip integer  page offset
// @param limit integer  page size
MATCH (a:Enterprise {uscc: $uscc})-[la:LOCATED_IN]->(s:Park)<-[lb:LOCATED_IN]-(b:Enterprise)
WITH a, b, size([t IN $tags WHERE t IN coalesce(b.tags, [])]) = size($tags) AS tagged
WHERE b <> a AND tagged
  AND ($include_inactive OR b.status IS NULL OR b.status = 'active')
  AND ($district IS NULL OR b.district_code STARTS WITH $district)
  AND (size($sizes) = 0 OR b.size IN $sizes)
WITH DISTINCT b
WITH b, coalesce(b._is_customer, false) AS is_customer, coalesce(b._segment_ids, []) AS segs
WHERE $customer IS NULL OR is_customer = $customer
WITH b.uscc AS key,
     CASE WHEN any(x IN segs WHERE x IN $own) THEN 1.0
          WHEN any(x IN segs WHERE x IN $near) THEN 0.5 ELSE 0.0 END AS chain_fit,
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
WITH a, total, page, [(a)-[ha:LOCATED_IN]->(hs:Park) | [ha, hs]] AS hubs
WITH a, total, page, hubs, [h IN hubs | h[1].park_id] AS mine
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH a, hubs, mine, total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
OPTIONAL MATCH (b:Enterprise {uscc: row[0]})
WITH a, hubs, total, i, row, b,
     [(b)-[lc:LOCATED_IN]->(sc:Park) WHERE sc.park_id IN mine | [lc, sc.park_id]] AS links
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
