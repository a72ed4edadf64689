// Events by id with their type, date and subject enterprise (Event-[:CONCERNS]->Enterprise).
// @param event_ids list  event ids
UNWIND $event_ids AS eid
MATCH (ev:Event {event_id: eid})-[c:CONCERNS]->(s:Enterprise)
RETURN ev.event_id AS event_id, ev.type AS type, ev.date AS date, ev.title AS title,
       ev.amount AS amount, s.uscc AS subject
