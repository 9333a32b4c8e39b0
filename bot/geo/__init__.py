"""Geography: datum conversion, the area file, the grid index and the gazetteer."""
