// One page of strategy_park_prospects ranked elsewhere (the in-process member index, queries/market_index.py): the same rows strategy_park_prospects returns for the page, each prospect with its paths. The ranking, filters and total are the caller's.
// @param park_ids string[]  the parks, best first
// @param segment_ids string[]  the target segments
// @param page list  the page's [uscc, best park's position, cluster, chain_fit, scale, theme] rows in rank order
// @param total integer  the number of prospects the filters keep
WITH $page AS page, $total AS total
UNWIND CASE WHEN size(page) = 0 THEN [null] ELSE range(0, size(page) - 1) END AS i
WITH total, i, CASE WHEN i IS NULL THEN null ELSE page[i] END AS row
OPTIONAL MATCH (e:Enterprise {uscc: row[0]})
WITH total, i, row, e, $park_ids[row[1]] AS park_id
RETURN total, i, e AS enterprise, park_id,
       [park_path = (e)-[l:LOCATED_IN]->(p:Park) WHERE p.park_id = park_id | park_path] AS park_paths,
       [segment_path = (e)-[m:IN_SEGMENT]->(s:ChainSegment)-[po:PART_OF]->(c:IndustryChain)
        WHERE s.segment_id IN $segment_ids | segment_path] AS segment_paths,
       row[2] AS cluster, row[3] AS chain_fit, row[4] AS scale, row[5] AS theme
ORDER BY i
