// Non-customer enterprises of the target chain segments in the given associations, ranked by referral (the strength of their best association as a channel, given per association), chain fit (best IN_SEGMENT confidence, 1 when unknown), scale (log10(1 + registered capital in 万元) / 5, capped at 1) and theme (theme tags held / 2, capped at 1), then USCC. One page plus the total; each with its path prospect -[:IN_SEGMENT]-> segment and the parts of its path introducing customer -[:MEMBER_OF]-> association <-[:MEMBER_OF]- prospect (prospect -[:MEMBER_OF]-> association when the association has no customer): the prospect's and the introducer's links to the association, returned apart because a two-hop pattern between two bound nodes expands the whole association on FalkorDB.
// @param association_ids string[]  the associations, best first
// @param referral float[]  each association's channel strength 0..1, in the order of association_ids
// @param introducers string[]  each association's introducing customer (USCC, or null), in the same order
// @param segment_ids string[]  the target segments
// @param themes string[]  tags that count for the theme signal
// @param tags string[]  prospects carry all of these tags (empty: any)
// @param sizes string[]  prospects' size class is one of these (empty: any)
// @param district string?  prospects' district code starts with this (null: anywhere)
// @param include_inactive boolean  also list enterprises whose status is not active
// @param w map  weights of the score parts referral, chain_fit, scale and theme
// @param skip integer  page offset
// @param limit integer  page size
UNWIND range(0, size($association_ids) - 1) AS k
MATCH (a:Association {association_id: $association_ids[k]})<-[mo:MEMBER_OF]-(e:Enterprise)-[m:IN_SEGMENT]->(s:ChainSegment)
WITH k, e, m, s, size([t IN $tags WHERE t IN coalesce(e.tags, [])]) = size($tags) AS tagged
WHERE s.segment_id IN $segment_ids AND tagged
  AND ($include_inactive OR e.status IS NULL OR e.status = 'active')
  AND ($district IS NULL OR e.district_code STARTS WITH $district)
  AND (size($sizes) = 0 OR e.size IN $sizes)
WITH e, min(k) AS best, max(coalesce(m.confidence, 1.0)) AS chain_fit
WITH e, best, chain_fit, coalesce(e._is_customer, false) AS is_customer
WHERE NOT is_customer
WITH e, best, $referral[best] AS referral, chain_fit,
     CASE WHEN coalesce(e.registered_capital, 0.0) <= 0 THEN 0.0
          WHEN e.registered_capital >= 99999.0 THEN 1.0
          ELSE log10(1.0 + e.registered_capital) / 5.0 END AS scale,
     size([t IN coalesce(e.tags, []) WHERE t IN $themes]) AS held
WITH e, best, referral, chain_fit, scale,
     CASE WHEN held >= 2 THEN 1.0 ELSE toFloat(held) / 2.0 END AS theme
WITH e.uscc AS key, best, referral, chain_fit, scale, theme,
     $w.referral * referral + $w.chain_fit * chain_fit + $w.scale * scale + $w.theme * theme AS score
ORDER BY score DESC, key
WITH collect([key, best, referral, chain_fit, scale, theme]) AS ranked
WITH size(ranked) AS total, ranked[$skip..$skip + $limit] AS page
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
OPTIONAL MATCH (e:Enterprise {uscc: row[0]})
WITH total, i, row, e, $association_ids[row[1]] AS association_id,
     $introducers[row[1]] AS introducer_id
OPTIONAL MATCH (ci:Enterprise {uscc: introducer_id})
WITH total, i, row, e, association_id, ci
RETURN total, i, e AS enterprise, association_id,
       [(e)-[mo:MEMBER_OF]->(a:Association) WHERE a.association_id = association_id | [mo, a]] AS member_hops,
       [(ci)-[mci:MEMBER_OF]->(ai:Association) WHERE ai.association_id = association_id | [mci, ai]] AS introducer_hops,
       [segment_path = (e)-[ms:IN_SEGMENT]->(ss:ChainSegment) WHERE ss.segment_id IN $segment_ids | segment_path] AS segment_paths,
       row[2] AS referral, row[3] AS chain_fit, row[4] AS scale, row[5] AS theme
ORDER BY i
