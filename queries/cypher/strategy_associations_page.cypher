// The association and introducer nodes of a ranking of associations made elsewhere (the in-process member index, queries/market_index.py), in rank order, each introducer with its role in the association; strategy_associations is the whole query in Cypher.
// @param association_ids string[]  the ranked associations, best first
// @param introducers string[]  each one's best introducer (USCC, or null), in the same order
UNWIND range(0, size($association_ids) - 1) AS i
MATCH (a:Association {association_id: $association_ids[i]})
OPTIONAL MATCH (ci:Enterprise {uscc: $introducers[i]})
WITH i, a, ci,
     [(ci)-[mi:MEMBER_OF]->(ai:Association) WHERE ai.association_id = a.association_id | mi.role] AS roles
RETURN i, a AS association, ci AS introducer,
       CASE WHEN ci IS NULL THEN null ELSE roles[0] END AS introducer_role
ORDER BY i
