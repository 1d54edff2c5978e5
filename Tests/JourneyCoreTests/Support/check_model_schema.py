#!/usr/bin/env python3
"""Checks Schemas/journey-model.schema.json: it accepts the default model and refuses broken ones."""
import copy
import json
import sys

import jsonschema

root = sys.argv[1]
schema = json.load(open(f"{root}/Schemas/journey-model.schema.json"))
default = json.load(open(f"{root}/Schemas/journey-model.default.json"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
errors = list(v.iter_errors(default))
if errors:
    print("default model rejected:", errors[0].message)
    sys.exit(1)
broken = []
b = copy.deepcopy(default); b["stages"] = []; broken.append(("no stages", b))
b = copy.deepcopy(default); del b["version"]; broken.append(("no version", b))
b = copy.deepcopy(default); b["rules"][0]["match"] = {}; broken.append(("empty match", b))
b = copy.deepcopy(default); b["rules"][0]["regress"] = "yes"; broken.append(("regress not boolean", b))
b = copy.deepcopy(default); b["rules"][0]["match"]["properties"] = [{"path": "x", "op": "~", "value": 1}]; broken.append(("bad op", b))
b = copy.deepcopy(default); b["extra"] = 1; broken.append(("unknown key", b))
b = copy.deepcopy(default); b["advocacy"]["levels"][0]["when"] = [{"metric": "nps"}]; broken.append(("criterion without op", b))
b = copy.deepcopy(default); b["segments"] = [{"id": "all", "criteria": [{"trait": "plan", "op": "exists", "value": True}]}]; broken.append(("segment named all", b))
b = copy.deepcopy(default); b["segments"] = [{"id": "pro", "criteria": [{"trait": "plan", "op": "is", "value": "pro"}]}]; broken.append(("segment bad op", b))
b = copy.deepcopy(default); b["inactiveDays"] = 0; broken.append(("inactiveDays 0", b))
good = copy.deepcopy(default); good["segments"] = [{"id": "pro", "name": "Pro", "criteria": [{"trait": "plan", "op": "equals", "value": "pro"}]}]; good["inactiveDays"] = 45
if list(v.iter_errors(good)):
    print("model with segments rejected:", list(v.iter_errors(good))[0].message)
    sys.exit(1)
bad = [name for name, doc in broken if v.is_valid(doc)]
if bad:
    print("schema accepts broken models:", ", ".join(bad))
    sys.exit(1)
print(f"default model valid; {len(broken)} broken models rejected")
