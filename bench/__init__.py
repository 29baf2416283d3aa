"""`make bench`: the import and search benchmarks of PRODUCT.md, side by side with a raw-SQLite reference."""
