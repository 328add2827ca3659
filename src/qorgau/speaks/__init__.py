"""Worker Speaks: anonymous hazard reports from workers, followed with a receipt code, triaged, routed to the
union and answered (docs/speaks/).

`service.py` is what pages, routes and other packages call; `models.py` holds the tables and the report's
workflow; `nlp.py` is the one entry to triage (`lexicon.py`, `category_model.py`, `urgency_model.py`,
`imminent_model.py`, `severity.py`, `embedding.py`) and redaction (`pii.py`); `proof_of_work.py` slows
guessing of receipt codes.
"""
