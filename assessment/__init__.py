"""The network-wide coverage assessment (考核): indicators, scoring schemes, stored runs."""
