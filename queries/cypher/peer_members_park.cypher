// The members of an industrial park with the facts peers rank and filter on, for the in-process member index (queries/peer_index.py): the same properties peers_park reads per member. Their tags, chain segments and parks come from peer_member_sets_park.
// @param hub string  the Park's park_id
// @column uscc string  member enterprise
// @column capital float  registered capital in 万元 (null: unknown)
// @column active integer  1 when the status is active or unknown
// @column customer integer  1 when a bank customer (derived _is_customer)
// @column district string  district code (null: unknown)
// @column size string  size class (null: unknown)
MATCH (:Park {park_id: $hub})<-[:LOCATED_IN]-(b:Enterprise)
RETURN b.uscc AS uscc, b.registered_capital AS capital,
       CASE WHEN b.status IS NULL OR b.status = 'active' THEN 1 ELSE 0 END AS active,
       CASE WHEN coalesce(b._is_customer, false) THEN 1 ELSE 0 END AS customer,
       b.district_code AS district, b.size AS size
