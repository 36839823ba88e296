# Feed tests: JSON paths, provider presets (exact numbers), and collectors against tix-sim.
tix_unit(jsonpath tix_feed tix_core)
tix_unit(presets tix_feed tix_core)

