"""Interchange: FHIR Questionnaires and responses, and licensed scale text packs."""
