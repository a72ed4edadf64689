// Expansion step, upstream suppliers (SUPPLIES in):
// for each source enterprise, up to max_fanout neighbours in key order.
// @param sources list  source enterprise usccs
// @param max_fanout integer  neighbours kept per source (deterministic: lowest usccs first)
// @param with_props boolean  also return the relationships' properties (for drawing paths)
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)<-[r:SUPPLIES]-(x:Enterprise)
WHERE x <> s
WITH src, x, r ORDER BY src, x.uscc, type(r)
WITH src, collect({dst: x.uscc, t1: type(r), pct1: r.percentage,
                   p1: CASE WHEN $with_props THEN properties(r) END})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN src, h.dst AS dst, null AS via, h.t1 AS t1, h.pct1 AS pct1, null AS pct2, h.p1 AS p1,
       null AS p2
