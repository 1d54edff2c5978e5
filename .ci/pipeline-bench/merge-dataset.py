"""Writes PAIRS pairs of customers m-<i>-a and m-<i>-b with 1,000 events each (the store's
shape), for merge-latency.py. Usage: merge-dataset.py PAIRS OUT"""
import json, sys
pairs, out = int(sys.argv[1]), sys.argv[2]
types = ["ad_click", "blog_view", "product_view", "pricing_view", "review_read", "purchase", "first_login", "feature_used", "support_ticket", "survey_response"]
with open(out, "w") as f:
    for i in range(pairs):
        for side in "ab":
            for k in range(1000):
                e = {"id": f"m-{i}-{side}-{k}", "customerId": f"m-{i}-{side}", "type": types[(k * 7 + (side == "b")) % len(types)],
                     "occurredAt": f"2026-{1 + k % 12:02d}-{1 + k % 28:02d}T{(k * 13) % 24:02d}:{k % 60:02d}:00Z",
                     "touchpoint": "web", "properties": {"k": k}}
                if e["type"] == "survey_response": e["properties"]["nps"] = k % 11
                f.write(json.dumps(e, separators=(",", ":")) + "\n")
