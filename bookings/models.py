"""Working hours, appointments and their life cycle (arriving with the
scheduling work)."""
