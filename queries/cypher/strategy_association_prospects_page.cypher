// One page of strategy_association_prospects ranked elsewhere (the in-process member index, queries/market_index.py): the same rows strategy_association_prospects returns for the page, each prospect with its paths. The ranking, filters and total are the caller's.
// @param association_ids string[]  the associations, best first
// @param introducers string[]  each association's introducing customer (USCC, or null), in the same order
// @param segment_ids string[]  the target segments
// @param page list  the page's [uscc, best association's position, referral, chain_fit, scale, theme] rows in rank order
// @param total integer  the number of prospects the filters keep
WITH $page AS page, $total AS total
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
