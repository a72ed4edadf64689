// One enterprise by its USCC, with the ids of its parks, chain segments, associations and the bank branches it is a customer of.
// @param uscc string  unified social credit code
MATCH (e:Enterprise {uscc: $uscc})
RETURN e AS enterprise,
       [(e)-[l:LOCATED_IN]->(p:Park) | p.park_id] AS parks,
       [(e)-[m:IN_SEGMENT]->(s:ChainSegment) | s.segment_id] AS segments,
       [(e)-[mo:MEMBER_OF]->(a:Association) | a.association_id] AS associations,
       [(e)-[c:CUSTOMER_OF]->(b:Branch) | b.branch_id] AS branches
