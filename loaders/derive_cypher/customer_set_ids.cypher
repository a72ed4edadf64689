// Derive Enterprise._is_customer for the enterprises given by node id: a bulk build knows the ids of the enterprises it wrote CUSTOMER_OF for, so it marks them without scanning every customer link.
// @param ids list  node ids of enterprises that have a CUSTOMER_OF relationship
UNWIND $ids AS id
MATCH (e:Enterprise)
WHERE id(e) = id AND e._is_customer IS NULL
SET e._is_customer = true
RETURN count(e) AS changed
