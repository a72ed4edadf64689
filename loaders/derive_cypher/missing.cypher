// Probe: is any derived property missing where the graph says it should be set (a customer without _is_customer, a segment member without _segment_ids)? A store built by an offline bulk import, or written outside a load, answers true; a derived store answers false after one pass over customer and segment links.
OPTIONAL MATCH (c:Enterprise)-[cr:CUSTOMER_OF]->()
WHERE c._is_customer IS NULL
WITH count(cr) > 0 AS customers
OPTIONAL MATCH (s:Enterprise)-[sr:IN_SEGMENT]->()
WHERE s._segment_ids IS NULL
WITH customers, count(sr) > 0 AS segments
RETURN customers OR segments AS missing
