// Prospect facts for ranking. Only enterprises that are bank customers (with the products they
// hold) or have an excluded registration status come back: every other one is a plain prospect.
// @param usccs list  enterprise usccs
// @param excluded list  registration statuses that are never prospects
UNWIND $usccs AS k
MATCH (e:Enterprise {uscc: k})
WITH k, e, [(e)-[c:CUSTOMER_OF]->(b:Branch) | c.products] AS products
WHERE size(products) > 0 OR e.status IN $excluded
RETURN k AS uscc, e.status AS status, size(products) AS customer_links, products
