// Expansion step, other companies of the source's officers (OFFICER_OF):
// for each source enterprise, up to max_fanout neighbours in key order.
// @param sources list  source enterprise usccs
// @param max_fanout integer  neighbours kept per source (deterministic: lowest usccs first)
UNWIND $sources AS src
MATCH (s:Enterprise {uscc: src})
WITH src, s
MATCH (s)<-[r1:OFFICER_OF]-(v:Person)-[r2:OFFICER_OF]->(x:Enterprise)
WHERE x <> s
WITH src, x, v, r1, r2 ORDER BY src, x.uscc, v.person_id, r1.role, r2.role
WITH src, collect({dst: x.uscc, via: v.person_id,
                   t1: type(r1), p1: properties(r1), t2: type(r2),
                   p2: properties(r2)})[..$max_fanout] AS hits
UNWIND hits AS h
RETURN src, h.dst AS dst, h.via AS via, h.t1 AS t1, h.p1 AS p1, h.t2 AS t2, h.p2 AS p2
