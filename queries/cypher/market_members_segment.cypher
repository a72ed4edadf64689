// The members of a chain segment with the facts the market strategies rank and filter on, for the in-process member index (queries/market_index.py): the same properties strategy_parks, strategy_associations and their prospects queries read per member. Their tags, parks and associations come from market_member_sets_segment.
// @param hub string  the ChainSegment's segment_id
// @column uscc string  member enterprise
// @column capital float  registered capital in 万元 (null: unknown)
// @column active integer  1 when the status is active or unknown
// @column customer integer  1 when a bank customer (derived _is_customer)
// @column district string  district code (null: unknown)
// @column size string  size class (null: unknown)
// @column fit float  its best IN_SEGMENT confidence for this segment (1 when unknown)
// @column latest string  the date of its latest event (null: none)
MATCH (:ChainSegment {segment_id: $hub})<-[m:IN_SEGMENT]-(b:Enterprise)
WITH b, max(coalesce(m.confidence, 1.0)) AS fit
OPTIONAL MATCH (b)<-[:CONCERNS]-(ev:Event)
WITH b, fit, max(ev.date) AS latest
RETURN b.uscc AS uscc, b.registered_capital AS capital,
       CASE WHEN b.status IS NULL OR b.status = 'active' THEN 1 ELSE 0 END AS active,
       CASE WHEN coalesce(b._is_customer, false) THEN 1 ELSE 0 END AS customer,
       b.district_code AS district, b.size AS size, fit, latest
