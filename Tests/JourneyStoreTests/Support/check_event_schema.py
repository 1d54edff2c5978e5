#!/usr/bin/env python3
"""Validates Schemas/examples/event-samples.json against Schemas/event.schema.json.

Prints one line per sample whose verdict differs from the one the samples file states, and
exits 1 if there is any; exit 0 means the schema agrees with every sample.
Needs the jsonschema package (with format checking, via rfc3339-validator).
"""
import json
import sys

import jsonschema

root = sys.argv[1]
schema = json.load(open(f"{root}/Schemas/event.schema.json"))
samples = json.load(open(f"{root}/Schemas/examples/event-samples.json"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
if "date-time" not in validator.format_checker.checkers:
    print("format checker lacks date-time (install rfc3339-validator)")
    sys.exit(1)
bad = 0
for i, event in enumerate(samples["accepted"]):
    errors = list(validator.iter_errors(event))
    if errors:
        bad += 1
        print(f"accepted[{i}] is rejected by the schema: {errors[0].message}")
for i, sample in enumerate(samples["rejected"]):
    if validator.is_valid(sample["event"]):
        bad += 1
        print(f"rejected[{i}] ({sample['field']}) is accepted by the schema")
print(f"checked {len(samples['accepted'])} accepted and {len(samples['rejected'])} rejected samples; {bad} disagree")
sys.exit(1 if bad else 0)
