"""Quality system (ISO 13485 §7.4.3, §8.2.2, §8.2.3, §8.2.6, §8.3, §8.5.2; 21 CFR 820; GMP/GSP):
inspections and lot disposition, nonconformance, CAPA, complaints and adverse events, supplier
evaluation and the quality dashboard. Each part is a Django app of its own in this package, so
each owns its tables and migrations; they sit in one import layer above compliance (they read
DHRs and link recalls) and below integration (the LIMS endpoint records results through them).

Links between the parts are by kind and id (``"ncr"``, 42), not foreign keys, where they run in
both directions (a complaint opens a CAPA, a CAPA cites the complaint).
"""
