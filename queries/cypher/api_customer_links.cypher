// Branch and relationship manager of each enterprise that is a bank customer (lead routing).
// @param usccs list  enterprise usccs
UNWIND $usccs AS k
MATCH (e:Enterprise {uscc: k})-[c:CUSTOMER_OF]->(b:Branch)
RETURN k AS uscc, b.branch_id AS branch_id, c.manager_id AS manager_id
ORDER BY uscc, branch_id, manager_id
