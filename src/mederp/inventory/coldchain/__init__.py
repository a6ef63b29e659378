"""The cold chain (issue 4 §6; CN-14, CN-11, TR-09; 条例 第四十七条; 冷链管理指南): temperature
readings from the loggers, the excursions and stock holds they cause, and QA's signed decisions
that end them. Use cases in :mod:`.services`, reads in :mod:`.selectors`; the tables are
inventory's (``models/coldchain.py``, ``StockHold``). docs/coldchain.md is the contract."""
