// Associations ranked as referral channels into an industry chain: reach (active non-customer members in the target segments / most in any association) and introducers (members that are bank customers / most in any association); ties by association id. Each comes with its best introducer: the customer member with the highest role (president, vice_president, director, member), then the lowest USCC.
// @param segment_ids string[]  the target segments (all segments of a chain, or a chosen few)
// @param district string?  associations whose district code starts with this (null: anywhere)
// @param w map  weights of the place score parts reach and introducers
// @param limit integer  number of associations returned
UNWIND $segment_ids AS sid
MATCH (s:ChainSegment {segment_id: sid})<-[m:IN_SEGMENT]-(e:Enterprise)-[mo:MEMBER_OF]->(a:Association)
WITH e, a
WHERE (e.status IS NULL OR e.status = 'active')
  AND ($district IS NULL OR a.district_code STARTS WITH $district)
OPTIONAL MATCH (e)-[c:CUSTOMER_OF]->()
WITH e, a, count(c) AS customer_links
WHERE customer_links = 0
WITH a, count(DISTINCT e) AS prospects
OPTIONAL MATCH (a)<-[mc:MEMBER_OF]-(c:Enterprise)
OPTIONAL MATCH (c)-[cc:CUSTOMER_OF]->()
WITH a, prospects, c, count(cc) AS links
WITH a, prospects, count(DISTINCT CASE WHEN links > 0 THEN c ELSE null END) AS introducers
WITH collect({a: a, prospects: prospects, introducers: introducers}) AS rows,
     max(prospects) AS top_prospects, max(introducers) AS top_introducers
UNWIND rows AS row
WITH size(rows) AS qualified, row, top_prospects, top_introducers,
     toFloat(row.prospects) / top_prospects AS reach,
     CASE WHEN top_introducers = 0 THEN 0.0
          ELSE toFloat(row.introducers) / top_introducers END AS introducer_signal
WITH qualified, row, top_prospects, top_introducers, reach, introducer_signal,
     $w.reach * reach + $w.introducers * introducer_signal AS score
ORDER BY score DESC, row.a.association_id
LIMIT $limit
WITH qualified, row, top_prospects, top_introducers, reach, introducer_signal, score, row.a AS a
OPTIONAL MATCH (a)<-[mi:MEMBER_OF]-(c:Enterprise)
WHERE (c)-[:CUSTOMER_OF]->(:Branch)
WITH qualified, row, top_prospects, top_introducers, reach, introducer_signal, score, a, c,
     CASE mi.role WHEN 'president' THEN 0 WHEN 'vice_president' THEN 1 WHEN 'director' THEN 2
                  WHEN 'member' THEN 3 ELSE 4 END AS role_rank, mi.role AS role
ORDER BY score DESC, a.association_id, role_rank, c.uscc
WITH qualified, row, top_prospects, top_introducers, reach, introducer_signal, score, a,
     collect({c: c, role: role})[0] AS best
RETURN qualified, a AS association, row.prospects AS prospects, row.introducers AS introducers,
       top_prospects, top_introducers, reach, introducer_signal AS introducers_signal,
       best.c AS introducer, best.role AS introducer_role
ORDER BY score DESC, a.association_id
