#!/usr/bin/env python3
"""The failover test's load: HTTP appends to the journey nodes, not a benchmark.

Each writer sends batches of 20 events with fresh ids (one JSON array a request, one atomic
append) to the nodes in turn; a batch answered 503 (log_unavailable: Retry-After), or whose
connection fails (a node killed), is sent again, same ids, to the other node after 100 ms, until
it is acknowledged. Retrying stops a minute after the load's end; a 503 must say `Retry-After: 1`. Writes the time of every
acknowledgement (ms since 1970, a line each) to --acks and the acknowledged ids to --ids.
Exits 1 on any other answer (a 4xx, a 500), which the test must never see."""
import argparse, json, sys, threading, time, urllib.error, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--nodes", required=True, help="comma-separated base URLs")
p.add_argument("--seconds", type=float, default=30)
p.add_argument("--writers", type=int, default=4)
p.add_argument("--acks", required=True)
p.add_argument("--ids", required=True)
a = p.parse_args()
nodes = a.nodes.split(",")
deadline = time.time() + a.seconds
lock = threading.Lock()
acked, ack_times, errors = [], [], []
retries = {"503": 0, "connection": 0}


# Types of every stage of the default model, and a review with a rating (advocacy or retention).
TYPES = ["ad_click", "product_view", "pricing_view", "purchase", "first_login", "feature_used", "review_posted", "referral_sent"]


def writer(w):
    b = 0
    while time.time() < deadline and not errors:
        batch = [{"id": f"w{w}-b{b}-{k}", "customerId": f"c{(w * 7919 + b * 20 + k) % 2000}", "type": TYPES[(w + b + k) % len(TYPES)],
                  "occurredAt": f"2026-11-{1 + (b + k) % 28:02d}T10:{k:02d}:00Z", "properties": {"rating": (b + k) % 5 + 1}}
                 for k in range(20)]
        body = json.dumps(batch).encode()
        attempt = 0
        while True:
            node = nodes[(w + b + attempt) % len(nodes)]
            req = urllib.request.Request(node + "/v1/events", data=body, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=70) as r:
                    answer = json.load(r)
                ids = [e["id"] for e in answer["events"]]
                with lock:
                    acked.extend(ids)
                    ack_times.append(int(time.time() * 1000))
                break
            except urllib.error.HTTPError as e:
                if e.code == 503 and e.headers.get("Retry-After") != "1":
                    with lock:
                        errors.append(f"{node}: 503 without Retry-After: 1 ({e.headers.get('Retry-After')!r})")
                    return
                if e.code != 503:
                    with lock:
                        errors.append(f"{node}: HTTP {e.code}: {e.read()[:300]!r}")
                    return
                kind = "503"
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                kind = "connection"
            with lock:
                retries[kind] += 1
            if time.time() > deadline + 60:
                with lock:
                    errors.append(f"batch w{w}-b{b} not acknowledged a minute after the load's end")
                return
            attempt += 1
            time.sleep(0.1)
        b += 1


threads = [threading.Thread(target=writer, args=(w,)) for w in range(a.writers)]
started = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
with open(a.acks, "w") as f:
    f.write("".join(f"{t}\n" for t in sorted(ack_times)))
with open(a.ids, "w") as f:
    f.write("".join(f"{i}\n" for i in acked))
print(f"acknowledged {len(acked)} events in {len(ack_times)} appends over {time.time() - started:.1f} s by {a.writers} HTTP writers; "
      f"retried {retries['503']} answered 503, {retries['connection']} whose connection failed")
if errors:
    print("FAILED: " + "; ".join(errors[:5]), file=sys.stderr)
    sys.exit(1)
