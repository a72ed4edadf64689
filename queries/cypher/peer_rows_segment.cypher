// Enterprises as a page of segment peers shows them, one row each, whichever anchor asks: kept by the in-process member index (queries/peer_index.py) so that a page reads only the rows it does not hold. Each row has the node, its links to all its chain segments ([relationship, segment] pairs), the UPSTREAM_OF links of those segments ([its segment id, relationship, the other segment's id], downstream and upstream apart: when this enterprise is the anchor, a peer's path runs through one of them if their segments differ), its derived _segment_ids (loaders/derive.py, as in the ranking) and the branches it is a customer of. Which segment pair joins a peer to an anchor, and so the path, is worked out in process. An enterprise not in the graph has no row. Each comprehension names its own variables: FalkorDB returns nothing from a comprehension that reuses another one's names in the same RETURN.
// @param usccs list  unified social credit codes of the enterprises
UNWIND $usccs AS uscc
MATCH (b:Enterprise {uscc: uscc})
RETURN uscc, b AS enterprise,
       [(b)-[l:IN_SEGMENT]->(h:ChainSegment) | [l, h]] AS hops,
       [(b)-[bd:IN_SEGMENT]->(xd:ChainSegment)-[d:UPSTREAM_OF]->(yd:ChainSegment) | [xd.segment_id, d, yd.segment_id]] AS down,
       [(b)-[bu:IN_SEGMENT]->(xu:ChainSegment)<-[u:UPSTREAM_OF]-(yu:ChainSegment) | [xu.segment_id, u, yu.segment_id]] AS up,
       coalesce(b._segment_ids, []) AS segments,
       [(b)-[c:CUSTOMER_OF]->(br:Branch) | br.branch_id] AS branches
