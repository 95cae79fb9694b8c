"""Data exchange formats: LCA databases (openLCA JSON-LD, EcoSpold 1, USEEIO matrices) in, our models out."""
