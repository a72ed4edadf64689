// Expansion walk, invested firms (INVESTS_IN out): per source enterprise one packed row, the
// neighbour's uscc per relationship, the first max_fanout in key order (lowest usccs first, as
// expansion_step_investees), so few rows cross the client.
// @param sources list  source enterprise usccs
// @param max_fanout integer  neighbour relationships kept per source
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)-[r:INVESTS_IN]->(x:Enterprise)
WHERE x <> s
WITH src, x.uscc AS dst, type(r) AS t ORDER BY src, dst, t
RETURN src, collect(dst)[..$max_fanout] AS hits
