"""The same events with customer ids only: each visitor's events under the customer the visitor
became (a visitor who never signs up keeps its id as a customer id), and no anonymousId.
Usage: ids-only.py NATIVE OUT"""
import json, sys
src, out = sys.argv[1], sys.argv[2]
owner = {}
with open(src) as f:
    for line in f:
        e = json.loads(line)
        if e.get("customerId") and e.get("anonymousId"): owner.setdefault(e["anonymousId"], e["customerId"])
with open(src) as f, open(out, "w") as o:
    for line in f:
        e = json.loads(line)
        a = e.pop("anonymousId", None)
        if not e.get("customerId"): e["customerId"] = owner.get(a, a)
        o.write(json.dumps(e, separators=(",", ":")) + "\n")
