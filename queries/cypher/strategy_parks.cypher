// Parks ranked by how strongly an industry chain (a set of its segments) clusters there: members (active chain enterprises in the park / most in any park), coverage (distinct target segments present / target segments) and growth (share of those members with an event since a date); ties by park id. Returns the top parks with their counts and signals, plus how many parks qualified.
// @param segment_ids string[]  the target segments (all segments of a chain, or a chosen few)
// @param since string  events on or after this date (YYYY-MM-DD) count as growth
// @param district string?  parks whose district code starts with this (null: anywhere)
// @param min_members integer  parks with fewer target-chain members are left out
// @param w map  weights of the place score parts members, coverage and growth
// @param limit integer  number of parks returned
UNWIND $segment_ids AS sid
MATCH (s:ChainSegment {segment_id: sid})<-[m:IN_SEGMENT]-(e:Enterprise)-[l:LOCATED_IN]->(p:Park)
WITH sid, e, p
WHERE (e.status IS NULL OR e.status = 'active')
  AND ($district IS NULL OR p.district_code STARTS WITH $district)
WITH p, e, collect(DISTINCT sid) AS esegs
OPTIONAL MATCH (e)<-[c:CONCERNS]-(ev:Event)
WITH p, e, esegs, max(CASE WHEN ev.date >= $since THEN 1 ELSE 0 END) AS active
WITH p, count(e) AS members, sum(active) AS active_members, collect(esegs) AS segsets
WHERE members >= $min_members
WITH p, members, active_members,
     reduce(acc = [], ss IN segsets | acc + [x IN ss WHERE NOT x IN acc]) AS present
WITH collect({p: p, members: members, active: active_members, present: present}) AS parks,
     max(members) AS top_members
UNWIND parks AS row
WITH size(parks) AS qualified, row, top_members,
     toFloat(row.members) / top_members AS members_signal,
     toFloat(size(row.present)) / size($segment_ids) AS coverage,
     toFloat(row.active) / row.members AS growth
WITH qualified, row, top_members, members_signal, coverage, growth,
     $w.members * members_signal + $w.coverage * coverage + $w.growth * growth AS score
ORDER BY score DESC, row.p.park_id
LIMIT $limit
RETURN qualified, row.p AS park, row.members AS members, row.active AS active_members,
       row.present AS segments, top_members, members_signal, coverage, growth
