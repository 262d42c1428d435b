"""Discovery channels (监测方式, domain.md §4.1) besides the cadres' screening: household self-applications (农户自主
申报) and, to come, sector departments' alerts (部门筛查预警)."""
