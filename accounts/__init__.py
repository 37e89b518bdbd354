"""Identity: users, their memberships (centre + role) and API tokens (public schema)."""
