"""The demo township: a deterministic generator of synthetic, clearly fictional households, staff and screening
findings, for demos and benchmarks.

Everything is drawn from one ``random.Random(seed)``: the same (households, seed, areas, today) always gives the same
data. Every household number starts with ``DEMO-`` and every staff number with ``DEMO-S``; names are random
combinations of common family names and given-name characters, so no record describes a real person.

What the data imitates: the seed plan's township (15 villages and a relocation site, seeds/township-screening-plan.txt
§一), the national system's household and member fields (domain.md §9), the three household types (domain.md §2),
migrant households screened by phone or WeChat (seed §三(一)), the staff identities of table 3-4 (seed 附件3-4), and
findings that put a small share of households inside the 7,100 yuan line or into the plan's key groups (seed §二(一)).

Where a figure below has a source it is named; "general knowledge" marks a published national statistic that was not
re-checked here; "assumption" marks a figure chosen only to look plausible. None of them is policy.

The parts: ``people`` (names, families, ages, ID numbers, phones, what each person is), ``findings`` (incomes,
shocks, transfers, expenditures and risks, as a screening would find them) and ``township`` (households village by
village, the staff, the roster file and how each household was screened).
"""
