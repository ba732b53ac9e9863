"""Text and Markdown renderers of the typed results."""
