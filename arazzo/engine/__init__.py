"""The engine: the plan compiled once per document, request building, response reading,
credentials, masking, the sans-I/O state machine, its events and results."""
