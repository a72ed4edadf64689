// Enterprises whose name contains a fragment, one page plus the total: exact name first, then names that start with the fragment, then the rest, each by name and USCC.
// @param q string  the name fragment
// @param skip integer  page offset
// @param limit integer  page size
CALL {
  MATCH (e:Enterprise)
  WITH e WHERE e.name CONTAINS $q
  RETURN count(e) AS total
}
CALL {
  MATCH (e:Enterprise)
  WITH e WHERE e.name CONTAINS $q
  WITH e, CASE WHEN e.name = $q THEN 0 WHEN e.name STARTS WITH $q THEN 1 ELSE 2 END AS tier
  ORDER BY tier, e.name, e.uscc
  SKIP $skip LIMIT $limit
  RETURN collect(e) AS page
}
RETURN total, page
