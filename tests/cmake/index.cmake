# Unit tests of the index arithmetic, the feed (normalization, replay CSV) and the engine.
tix_unit(methodology tix_index tix_core)
tix_unit(normalize tix_feed tix_core)
tix_unit(csv tix_feed tix_core)
tix_unit(engine tix_index tix_feed tix_core)
tix_unit(engine_prop tix_index tix_feed tix_core)
