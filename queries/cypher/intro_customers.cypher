// Bank customers among the given enterprises: serving branch and relationship manager.
// @param usccs list  enterprise usccs
UNWIND $usccs AS k
MATCH (e:Enterprise {uscc: k})-[c:CUSTOMER_OF]->(b:Branch)
RETURN k AS uscc, b.branch_id AS branch_id, b.name AS branch_name, c.manager_id AS manager_id,
       c.since AS since
