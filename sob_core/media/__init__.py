"""Media: uploaded files and the storage they live in."""
