// Expansion walk, shareholders and controlling parents (HOLDS_SHARES/CONTROLS in): per source
// enterprise one packed row, [uscc, type, percentage] per relationship, the first max_fanout in key
// order (lowest usccs first, as expansion_step_shareholders), so few rows cross the client.
// @param sources list  source enterprise usccs
// @param max_fanout integer  neighbour relationships kept per source
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)<-[r:HOLDS_SHARES|CONTROLS]-(x:Enterprise)
WHERE x <> s
WITH src, x.uscc AS dst, type(r) AS t, r.percentage AS pct ORDER BY src, dst, t
RETURN src, collect([dst, t, pct])[..$max_fanout] AS hits
