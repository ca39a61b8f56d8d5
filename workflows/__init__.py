"""Engine adapter: runs the BPMN processes with SpiffWorkflow; knows nothing of Flask or the database."""
