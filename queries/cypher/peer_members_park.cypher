// The members of an industrial park with the facts peers rank and filter on, for the in-process member index (queries/peer_index.py): the same properties peers_park reads per member, and the member's own parks (to count a member of several searched parks once).
// @param hub string  the Park's park_id
// @column uscc string  member enterprise
// @column capital float  registered capital in 万元 (null: unknown)
// @column active integer  1 when the status is active or unknown
// @column customer integer  1 when a bank customer (derived _is_customer)
// @column district string  district code (null: unknown)
// @column size string  size class (null: unknown)
// @column tags list  tags
// @column segments list  chain segment ids (derived _segment_ids)
// @column hubs list  the member's parks
MATCH (:Park {park_id: $hub})<-[:LOCATED_IN]-(b:Enterprise)
RETURN b.uscc AS uscc, b.registered_capital AS capital,
       CASE WHEN b.status IS NULL OR b.status = 'active' THEN 1 ELSE 0 END AS active,
       CASE WHEN coalesce(b._is_customer, false) THEN 1 ELSE 0 END AS customer,
       b.district_code AS district, b.size AS size, coalesce(b.tags, []) AS tags,
       coalesce(b._segment_ids, []) AS segments,
       [(b)-[:LOCATED_IN]->(h:Park) | h.park_id] AS hubs
