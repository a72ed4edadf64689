// Events dated within [date_from, date_to] (ISO dates, inclusive) with their subject enterprise.
// @param date_from string  first day, YYYY-MM-DD
// @param date_to string  last day, YYYY-MM-DD
MATCH (ev:Event)
WHERE ev.date >= $date_from AND ev.date <= $date_to
MATCH (ev)-[c:CONCERNS]->(s:Enterprise)
RETURN ev.event_id AS event_id, ev.type AS type, ev.date AS date, ev.title AS title,
       ev.amount AS amount, s.uscc AS subject
