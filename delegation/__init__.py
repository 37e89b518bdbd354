"""Cases at a centre, their clock, and delegation up and down the network (tenant schemas)."""
