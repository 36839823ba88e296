/* What the two configuration test files share: the lines after a config's only tier "A". */
#ifndef TIX_TEST_CONFIG_H
#define TIX_TEST_CONFIG_H

/* The lines after the tiers, for configs whose only tier is "A" (lines 2 and 3). */
#define MAP_A "mapping = ( { provider = \"*\"; model = \"*\"; tier = \"A\"; } );\n"
#define FX_USD "fx = { USD = \"1\"; };\n"
#define REST_A MAP_A FX_USD

#endif
