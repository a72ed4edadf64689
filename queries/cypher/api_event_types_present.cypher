// How many of the given event catalogue codes have an EventType node (event ingestion checks whether the reference data is loaded).
// @param codes list  event type codes
UNWIND $codes AS c
MATCH (t:EventType {code: c})
RETURN count(t) AS n
