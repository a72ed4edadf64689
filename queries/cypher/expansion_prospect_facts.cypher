// Prospect facts for ranking: registration status and the products held as a bank customer.
// @param usccs list  enterprise usccs
UNWIND $usccs AS k
MATCH (e:Enterprise {uscc: k})
OPTIONAL MATCH (e)-[c:CUSTOMER_OF]->(b:Branch)
RETURN k AS uscc, e.status AS status, count(c) AS customer_links,
       collect(c.products) AS products
