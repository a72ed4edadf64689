// Branches of the given levels inside a lat/lng bounding box (prefilter for nearest-branch work).
// @param levels list  branch levels, e.g. ["sub_branch"]
// @param min_lat float  south edge, degrees
// @param max_lat float  north edge, degrees
// @param min_lng float  west edge, degrees
// @param max_lng float  east edge, degrees
MATCH (b:Branch)
WHERE b.level IN $levels
  AND b.lat >= $min_lat AND b.lat <= $max_lat AND b.lng >= $min_lng AND b.lng <= $max_lng
RETURN b.branch_id AS branch_id, b.name AS name, b.lat AS lat, b.lng AS lng
