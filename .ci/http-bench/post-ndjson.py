#!/usr/bin/env python3
"""POSTs an NDJSON file to /v1/events in bodies of N lines from C connections and prints the
rate. Usage: post-ndjson.py URL FILE [LINES_PER_BODY] [CONNECTIONS]"""
import http.client
import sys
import threading
import time
import urllib.parse

url, path = sys.argv[1], sys.argv[2]
per_body = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
connections = int(sys.argv[4]) if len(sys.argv) > 4 else 2
u = urllib.parse.urlparse(url)
lines = open(path, "rb").read().splitlines(keepends=True)
bodies = [b"".join(lines[i:i + per_body]) for i in range(0, len(lines), per_body)]
lock = threading.Lock()
queue = list(enumerate(bodies))
written = [0]
errors = []

def worker():
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    while True:
        with lock:
            if not queue:
                return
            _, body = queue.pop(0)
        conn.request("POST", "/v1/events", body=body, headers={"Content-Type": "application/x-ndjson"})
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            errors.append((r.status, data[:200]))
            return
        with lock:
            written[0] += body.count(b"\n")

start = time.time()
threads = [threading.Thread(target=worker) for _ in range(connections)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.time() - start
if errors:
    sys.exit(f"errors: {errors[:3]}")
print(f"{written[0]} events in {elapsed:.2f} s: {written[0] / elapsed:,.0f} events/s ({per_body} per body, {connections} connections)")
