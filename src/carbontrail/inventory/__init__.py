"""Activity data and the organisational GHG inventory (scope 1, scope 2 location/market, energy, intensities)."""
