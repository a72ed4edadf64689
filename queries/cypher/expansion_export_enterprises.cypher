// Expansion projection: every enterprise's internal node id and uscc. The other exports name
// enterprises by their node id, which the server has without reading a property (at 1M
// enterprises that halves the officer links' export on Neo4j); this table turns the ids back into
// usccs once. Node ids are only compared within one batch's exports, never stored: a store may
// reuse the id of a deleted node.
// @column id integer  internal node id
// @column uscc string  enterprise uscc
MATCH (e:Enterprise)
RETURN id(e) AS id, e.uscc AS uscc
