"""Organizations and their membership."""
