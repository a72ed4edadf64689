// The park nodes of a ranking of parks made elsewhere (the in-process member index, queries/market_index.py), in rank order; strategy_parks is the whole query in Cypher.
// @param park_ids string[]  the ranked parks, best first
UNWIND range(0, size($park_ids) - 1) AS i
MATCH (p:Park {park_id: $park_ids[i]})
RETURN i, p AS park
ORDER BY i
