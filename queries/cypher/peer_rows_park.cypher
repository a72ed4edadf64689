// Enterprises as a page of park peers shows them, one row each, whichever anchor asks: kept by the in-process member index (queries/peer_index.py) so that a page reads only the rows it does not hold. Each row has the node, its links to all its parks ([relationship, park] pairs: which of them an anchor shares, and so the peer's path, is worked out in process), its derived _segment_ids (loaders/derive.py, as in the ranking) and the branches it is a customer of. An enterprise not in the graph has no row.
// @param usccs list  unified social credit codes of the enterprises
UNWIND $usccs AS uscc
MATCH (b:Enterprise {uscc: uscc})
RETURN uscc, b AS enterprise,
       [(b)-[l:LOCATED_IN]->(h:Park) | [l, h]] AS hops,
       coalesce(b._segment_ids, []) AS segments,
       [(b)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches
