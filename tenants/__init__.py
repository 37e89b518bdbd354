"""The network registry: service centres as tenants, their tree and their service-point facts."""
