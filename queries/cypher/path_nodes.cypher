// Nodes by label and key, to draw paths that were found step by step (one list per label).
// @param enterprises list  enterprise usccs
// @param persons list  person ids
// @param parks list  park ids
// @param associations list  association ids
// @param branches list  branch ids
UNWIND $enterprises AS k
MATCH (n:Enterprise {uscc: k})
RETURN n
UNION ALL
UNWIND $persons AS k
MATCH (n:Person {person_id: k})
RETURN n
UNION ALL
UNWIND $parks AS k
MATCH (n:Park {park_id: k})
RETURN n
UNION ALL
UNWIND $associations AS k
MATCH (n:Association {association_id: k})
RETURN n
UNION ALL
UNWIND $branches AS k
MATCH (n:Branch {branch_id: k})
RETURN n
