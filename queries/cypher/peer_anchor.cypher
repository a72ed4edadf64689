// The anchor of a peer search: the enterprise, its chain segments and the segments directly up- or downstream of them (UPSTREAM_OF either way), as [own segment, neighbour segment] pairs, and its parks and associations.
// @param uscc string  the anchor enterprise's unified social credit code
MATCH (a:Enterprise {uscc: $uscc})
RETURN a.uscc AS uscc,
       [(a)-[ia:IN_SEGMENT]->(sa:ChainSegment) | sa.segment_id] AS own,
       [(a)-[ia2:IN_SEGMENT]->(so:ChainSegment)-[u:UPSTREAM_OF]-(sn:ChainSegment) | [so.segment_id, sn.segment_id]] AS adjacent,
       [(a)-[la:LOCATED_IN]->(pa:Park) | pa.park_id] AS parks,
       [(a)-[ma:MEMBER_OF]->(aa:Association) | aa.association_id] AS associations
