// Every park with its district code, for the in-process member index (queries/market_index.py): strategy_parks narrows parks by district.
// @column id string  the park_id
// @column district string  district code (null: unknown)
MATCH (p:Park)
RETURN p.park_id AS id, p.district_code AS district
