# publisher tests: wire codec vectors and round trips.
tix_unit(wire tix_wire)
tix_unit(pubsub tix_pub tix_sub)
set_tests_properties(unit_pubsub PROPERTIES TIMEOUT 120)
