// Expansion step, subsidiaries and holdings (HOLDS_SHARES/CONTROLS out):
// for each source enterprise, up to max_fanout neighbours in key order.
// @param sources list  source enterprise usccs
// @param max_fanout integer  neighbours kept per source (deterministic: lowest usccs first)
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)-[r:HOLDS_SHARES|CONTROLS]->(x:Enterprise)
WHERE x <> s
WITH src, x, r ORDER BY src, x.uscc, type(r)
WITH src, collect({dst: x.uscc, t1: type(r), p1: properties(r)})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN src, h.dst AS dst, null AS via, h.t1 AS t1, h.p1 AS p1, null AS t2, null AS p2
