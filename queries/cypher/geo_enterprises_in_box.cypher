// Enterprises inside a lat/lng bounding box (prefilter; exact geodesic distance is computed in
// Python).
// @param min_lat float  south edge, degrees
// @param max_lat float  north edge, degrees
// @param min_lng float  west edge, degrees
// @param max_lng float  east edge, degrees
MATCH (e:Enterprise)
WHERE e.lat >= $min_lat AND e.lat <= $max_lat AND e.lng >= $min_lng AND e.lng <= $max_lng
RETURN e.uscc AS uscc, e.lat AS lat, e.lng AS lng,
       CASE WHEN coalesce(e._is_customer, false) THEN 1 ELSE 0 END AS customer_links
