"""Login providers for sob."""
