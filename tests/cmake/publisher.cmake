# publisher tests: wire codec vectors and round trips.
tix_unit(wire tix_wire)
