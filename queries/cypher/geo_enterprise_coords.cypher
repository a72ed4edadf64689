// Coordinates of the given enterprises (null when not geocoded).
// @param usccs list  enterprise usccs
UNWIND $usccs AS k
MATCH (e:Enterprise {uscc: k})
RETURN k AS uscc, e.lat AS lat, e.lng AS lng
