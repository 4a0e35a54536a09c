"""Start page, language choice, health check and error pages."""
