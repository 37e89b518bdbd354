"""Network-wide read models (public schema): one row per case per centre, for tracking by
number and for the coverage assessment, so no network view loops over ~1,700 schemas."""
