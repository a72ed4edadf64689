// Chain-gap analysis (补链) of a park: for every segment of a chain, how many active enterprises of the park sit in it, and its up- and downstream neighbour segments (UPSTREAM_OF, any chain) with how many of those the park has.
// @param park_id string  the park
// @param chain_id string  the industry chain
MATCH (p:Park {park_id: $park_id})
WITH [(p)<-[l:LOCATED_IN]-(e:Enterprise)-[m:IN_SEGMENT]->(ps:ChainSegment)
      WHERE e.status IS NULL OR e.status = 'active' | ps.segment_id] AS present
MATCH (c:IndustryChain {chain_id: $chain_id})<-[po:PART_OF]-(s:ChainSegment)
WITH present, s,
     [(up:ChainSegment)-[u:UPSTREAM_OF]->(s) | up.segment_id] AS upstream,
     [(s)-[d:UPSTREAM_OF]->(down:ChainSegment) | down.segment_id] AS downstream
RETURN s AS segment,
       size([x IN present WHERE x = s.segment_id]) AS members,
       upstream, downstream,
       [x IN upstream + downstream WHERE x IN present] AS present_neighbours
ORDER BY s.segment_id
