// Ownership step upward: shareholders (persons or enterprises) and controlling parents of each
// enterprise.
// @param usccs list  held enterprise usccs
UNWIND $usccs AS k
MATCH (t:Enterprise {uscc: k})
WITH k, t
MATCH (t)<-[r:HOLDS_SHARES|CONTROLS]-(h)
RETURN labels(h)[0] AS holder_label, coalesce(h.uscc, h.person_id) AS holder, k AS held,
       type(r) AS type, properties(r) AS props
