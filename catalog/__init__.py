"""The common item dictionary (事项库), shared by all centres (public schema)."""
