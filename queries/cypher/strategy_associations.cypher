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
WITH e, a, coalesce(e._is_customer, false) AS is_customer
WHERE NOT is_customer
WITH a, count(DISTINCT e) AS prospects
OPTIONAL MATCH (a)<-[mc:MEMBER_OF]-(c:Enterprise)
WITH a, prospects, c, mc, coalesce(c._is_customer, false) AS customer
WITH a, prospects,
     count(DISTINCT CASE WHEN customer THEN c ELSE null END) AS introducers,
     min(CASE WHEN customer
              THEN CASE mc.role WHEN 'president' THEN '0' WHEN 'vice_president' THEN '1'
                                WHEN 'director' THEN '2' WHEN 'member' THEN '3' ELSE '4' END + c.uscc
              ELSE null END) AS best
WITH collect({a: a, prospects: prospects, introducers: introducers, best: best}) AS rows,
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
WITH qualified, row, top_prospects, top_introducers, reach, introducer_signal, score, row.a AS a,
     substring(row.best, 1) AS introducer_id
OPTIONAL MATCH (ci:Enterprise {uscc: introducer_id})
WITH qualified, row, top_prospects, top_introducers, reach, introducer_signal, score, a, ci,
     [(ci)-[mi:MEMBER_OF]->(ai:Association) WHERE ai.association_id = a.association_id | mi.role] AS roles
RETURN qualified, a AS association, row.prospects AS prospects, row.introducers AS introducers,
       top_prospects, top_introducers, reach, introducer_signal AS introducers_signal,
       ci AS introducer, CASE WHEN ci IS NULL THEN null ELSE roles[0] END AS introducer_role
ORDER BY score DESC, a.association_id
