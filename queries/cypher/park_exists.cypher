// Whether a park with this id is in the graph (one row if so).
// @param park_id string  the park's id
MATCH (p:Park {park_id: $park_id})
RETURN p.park_id AS park_id
