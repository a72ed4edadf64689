"""chainscout: graph-centric knowledge service for industry chains and industrial parks."""
