// Enterprises outside a park that would fill its missing or thin chain segments, ranked by gap (how badly the park lacks the segment, given per segment), chain fit (the segment's share of neighbours the park has, given per segment), proximity (1 at the park, 0 at reach_km; planar distance on lat/lng), scale (log10(1 + registered capital in 万元) / 5, capped at 1) and theme (theme tags held / 2, capped at 1), then USCC. An enterprise in several gap segments counts for the one worth most (then the lowest segment id). One page plus the total; each with its path enterprise -[:IN_SEGMENT]-> segment -[:PART_OF]-> chain.
// @param park_id string  the park
// @param segment_ids string[]  the missing or thin segments, in id order
// @param gap float[]  each segment's gap severity 0..1, in the order of segment_ids
// @param adjacency float[]  each segment's share of neighbour segments present in the park, same order
// @param max_km float?  only enterprises within this distance of the park (null: anywhere; needs coordinates)
// @param reach_km float  distance at which proximity reaches 0
// @param themes string[]  tags that count for the theme signal
// @param tags string[]  candidates carry all of these tags (empty: any)
// @param sizes string[]  candidates' size class is one of these (empty: any)
// @param district string?  candidates' district code starts with this (null: anywhere)
// @param customer boolean?  true: only bank customers, false: only non-customers, null: both
// @param include_inactive boolean  also list enterprises whose status is not active
// @param w map  weights of the score parts gap, chain_fit, proximity, scale and theme
// @param skip integer  page offset
// @param limit integer  page size
MATCH (p:Park {park_id: $park_id})
UNWIND range(0, size($segment_ids) - 1) AS k
MATCH (s:ChainSegment {segment_id: $segment_ids[k]})<-[m:IN_SEGMENT]-(e:Enterprise)
WITH p, k, e, size([t IN $tags WHERE t IN coalesce(e.tags, [])]) = size($tags) AS tagged
WHERE tagged
  AND ($include_inactive OR e.status IS NULL OR e.status = 'active')
  AND ($district IS NULL OR e.district_code STARTS WITH $district)
  AND (size($sizes) = 0 OR e.size IN $sizes)
WITH p, e, k, $w.gap * $gap[k] + $w.chain_fit * $adjacency[k] AS worth
ORDER BY e.uscc, worth DESC, k
WITH p, e, collect(k)[0] AS best
OPTIONAL MATCH (e)-[l:LOCATED_IN]->(p)
WITH p, e, best, count(l) AS in_park
WHERE in_park = 0
WITH p, e, best, coalesce(e._is_customer, false) AS is_customer,
     CASE WHEN p.lat IS NULL OR p.lng IS NULL OR e.lat IS NULL OR e.lng IS NULL THEN null
          ELSE 111.195 * sqrt((e.lat - p.lat) * (e.lat - p.lat) +
               ((e.lng - p.lng) * cos((e.lat + p.lat) * 0.008726646259971648)) *
               ((e.lng - p.lng) * cos((e.lat + p.lat) * 0.008726646259971648))) END AS km
WHERE ($customer IS NULL OR is_customer = $customer)
  AND ($max_km IS NULL OR (km IS NOT NULL AND km <= $max_km))
WITH e, best, km,
     CASE WHEN km IS NULL OR km >= $reach_km THEN 0.0 ELSE 1.0 - km / $reach_km END AS proximity,
     CASE WHEN coalesce(e.registered_capital, 0.0) <= 0 THEN 0.0
          WHEN e.registered_capital >= 99999.0 THEN 1.0
          ELSE log10(1.0 + e.registered_capital) / 5.0 END AS scale,
     size([t IN coalesce(e.tags, []) WHERE t IN $themes]) AS held
WITH e, best, km, proximity, scale, CASE WHEN held >= 2 THEN 1.0 ELSE toFloat(held) / 2.0 END AS theme
WITH e, best, km, proximity, scale, theme,
     $w.gap * $gap[best] + $w.chain_fit * $adjacency[best] + $w.proximity * proximity +
     $w.scale * scale + $w.theme * theme AS score
ORDER BY score DESC, e.uscc
WITH collect({e: e, best: best, km: km, proximity: proximity, scale: scale, theme: theme}) AS ranked
WITH size(ranked) AS total, ranked[$skip..$skip + $limit] AS page
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
WITH total, i, row, row.e AS e, $segment_ids[row.best] AS segment_id
RETURN total, i, e AS enterprise, segment_id, row.km AS km,
       [segment_path = (e)-[m:IN_SEGMENT]->(s:ChainSegment)-[po:PART_OF]->(c:IndustryChain)
        WHERE s.segment_id = segment_id | segment_path] AS segment_paths,
       [(e)-[cb:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches,
       [(e)-[lp:LOCATED_IN]->(pk:Park) | pk.park_id] AS parks,
       row.proximity AS proximity, row.scale AS scale, row.theme AS theme
ORDER BY i
