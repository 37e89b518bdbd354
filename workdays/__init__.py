"""The official working-day calendar and case clocks."""
