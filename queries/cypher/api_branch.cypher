// One branch by id.
// @param branch_id string  the branch's code
MATCH (b:Branch {branch_id: $branch_id})
RETURN b
