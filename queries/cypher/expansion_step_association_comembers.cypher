// Expansion step, co-members of the same association (MEMBER_OF):
// for each source enterprise, up to max_fanout neighbours in key order.
// @param sources list  source enterprise usccs
// @param max_fanout integer  neighbours kept per source (deterministic: lowest usccs first)
// @param with_props boolean  also return the relationships' properties (for drawing paths)
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)-[r1:MEMBER_OF]->(v:Association)<-[r2:MEMBER_OF]-(x:Enterprise)
WHERE x <> s
WITH src, x, v, r1, r2 ORDER BY src, x.uscc, v.association_id, r1.role, r2.role
WITH src, collect({dst: x.uscc, via: v.association_id, t1: type(r1), pct1: r1.percentage,
                   pct2: r2.percentage, p1: CASE WHEN $with_props THEN properties(r1) END,
                   p2: CASE WHEN $with_props THEN properties(r2) END})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN src, h.dst AS dst, h.via AS via, h.t1 AS t1, h.pct1 AS pct1, h.pct2 AS pct2, h.p1 AS p1,
       h.p2 AS p2
