"""Understanding reports: the taxonomy, the classifier, geotagging (support for the case services)."""
