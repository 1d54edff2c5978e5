"""Merges pairs of customers (1,000 events each) through POST /v1/identities/merge and prints
the latency figures: the answer comes once the views show the merge, so each figure is a merge
applied to the views. Usage: merge-latency.py URL PAIRS TOKEN"""
import http.client, json, sys, time, urllib.parse

url, pairs, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
u = urllib.parse.urlparse(url)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
def post(path, body):
    c.request("POST", path, body=json.dumps(body).encode(), headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    r = c.getresponse()
    data = r.read()
    if r.status != 200: sys.exit(f"{path}: {r.status} {data[:300]}")
    return json.loads(data)
times, untimes = [], []
for i in range(pairs):
    t = time.perf_counter()
    r = post("/v1/identities/merge", {"from": f"m-{i}-a", "into": f"m-{i}-b", "reason": "bench"})
    times.append((time.perf_counter() - t) * 1000)
    assert r["changed"], r
for i in range(pairs):
    t = time.perf_counter()
    post("/v1/identities/unmerge", {"from": f"m-{i}-a", "into": f"m-{i}-b", "reason": "bench"})
    untimes.append((time.perf_counter() - t) * 1000)
def q(xs, p): xs = sorted(xs); return xs[min(len(xs) - 1, int(p * len(xs)))]
for name, xs in [("merge", times), ("unmerge", untimes)]:
    print(f"{name} of two customers with 1,000 events each, applied to the views ({len(xs)} pairs): "
          f"p50 {q(xs, 0.5):.2f} ms, p99 {q(xs, 0.99):.2f} ms, max {max(xs):.2f} ms")
