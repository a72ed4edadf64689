// Whether an enterprise with this USCC is in the graph (one row if so).
// @param uscc string  unified social credit code
MATCH (e:Enterprise {uscc: $uscc})
RETURN e.uscc AS uscc
