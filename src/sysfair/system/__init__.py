"""The built recommender system: the CandidateLog hand-off, serving (Platform), the exact oracle,
fairness metrics (DER, model-level AUC/ECE) and the on-disk cache that builds a log once."""
