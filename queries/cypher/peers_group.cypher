// Facts and score signals of the members of an enterprise's corporate group (found by the group search), filtered: chain fit (in one of the anchor's chain segments 1, in a segment up- or downstream of them 0.5), scale (log10(1 + registered capital in 万元) / 5, capped at 1), not being a customer. Ranked in Python together with the strength of each member's control path.
// @param uscc string  the anchor enterprise's unified social credit code
// @param own string[]  the anchor's chain segments (from peer_anchor)
// @param near string[]  the segments up- or downstream of them (from peer_anchor)
// @param usccs string[]  the group members to describe
// @param tags string[]  members carry all of these tags (empty: any)
// @param sizes string[]  members' size class is one of these (empty: any)
// @param district string?  members' district code starts with this (province, city or district code; null: anywhere)
// @param customer boolean?  true: only bank customers, false: only non-customers, null: both
// @param include_inactive boolean  also list enterprises whose status is not active
UNWIND $usccs AS key
MATCH (b:Enterprise {uscc: key})
WITH b, size([t IN $tags WHERE t IN coalesce(b.tags, [])]) = size($tags) AS tagged
WHERE b.uscc <> $uscc AND tagged
  AND ($include_inactive OR b.status IS NULL OR b.status = 'active')
  AND ($district IS NULL OR b.district_code STARTS WITH $district)
  AND (size($sizes) = 0 OR b.size IN $sizes)
WITH b, [(b)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches,
     [(b)-[ib:IN_SEGMENT]->(sb:ChainSegment) | sb.segment_id] AS segments
WHERE $customer IS NULL OR (size(branches) > 0) = $customer
RETURN b AS enterprise, segments, branches,
       CASE WHEN size([x IN segments WHERE x IN $own]) > 0 THEN 1.0
            WHEN size([x IN segments WHERE x IN $near]) > 0 THEN 0.5
            ELSE 0.0 END AS chain_fit,
       CASE WHEN coalesce(b.registered_capital, 0.0) <= 0 THEN 0.0
            WHEN b.registered_capital >= 99999.0 THEN 1.0
            ELSE log10(1.0 + b.registered_capital) / 5.0 END AS scale,
       CASE WHEN size(branches) > 0 THEN 0.0 ELSE 1.0 END AS not_customer
ORDER BY b.uscc
