// How many enterprises the graph holds (event expansion picks its engine by it).
// Returns enterprises.
MATCH (e:Enterprise)
RETURN count(e) AS enterprises
