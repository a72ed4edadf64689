// Every association with its district code and its introducers (members that are bank customers) as strategy_associations counts them, for the in-process member index (queries/market_index.py).
// @column id string  the association_id
// @column district string  district code (null: unknown)
// @column introducers integer  members that are bank customers
// @column best string  the best introducer: role rank (0 president, 1 vice_president, 2 director, 3 member, 4 other) followed by the USCC, lowest first (null: none)
MATCH (a:Association)
OPTIONAL MATCH (a)<-[mc:MEMBER_OF]-(c:Enterprise)
WITH a, c, mc, coalesce(c._is_customer, false) AS customer
RETURN a.association_id AS id, a.district_code AS district,
       count(DISTINCT CASE WHEN customer THEN c ELSE null END) AS introducers,
       min(CASE WHEN customer
                THEN CASE mc.role WHEN 'president' THEN '0' WHEN 'vice_president' THEN '1'
                                  WHEN 'director' THEN '2' WHEN 'member' THEN '3' ELSE '4' END + c.uscc
                ELSE null END) AS best
