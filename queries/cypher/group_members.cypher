// The enterprises of one corporate group with the facts group peers rank and filter on, for the in-process control graph (queries/group_index.py): the properties peers_group reads per member. Their tags and chain segments come from group_member_sets.
// @param usccs string[]  the enterprises of the group
// @column uscc string  member enterprise
// @column capital float  registered capital in 万元 (null: unknown)
// @column active integer  1 when the status is active or unknown
// @column customer integer  1 when a bank customer (derived _is_customer)
// @column district string  district code (null: unknown)
// @column size string  size class (null: unknown)
UNWIND $usccs AS key
MATCH (b:Enterprise {uscc: key})
RETURN b.uscc AS uscc, b.registered_capital AS capital,
       CASE WHEN b.status IS NULL OR b.status = 'active' THEN 1 ELSE 0 END AS active,
       CASE WHEN coalesce(b._is_customer, false) THEN 1 ELSE 0 END AS customer,
       b.district_code AS district, b.size AS size
