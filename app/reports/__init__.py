"""Dashboards' figures and exports: the campaign's KPIs, as JSON and as the district summary form (XLSX)."""
