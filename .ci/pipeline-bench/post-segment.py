"""Posts Segment batches (at most 500 KB, Segment's limit) built from a file of messages, over
N keep-alive connections to 127.0.0.1, and prints events/s. The bodies are built before the
clock starts, so the figure is the server's. Usage: post-segment.py URL FILE CONNECTIONS KEY"""
import base64, http.client, json, sys, threading, time, urllib.parse

url, path, connections, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlparse(url)
bodies, batch, size, count = [], [], 0, 0
with open(path, "rb") as f:
    for line in f:
        line = line.rstrip(b"\n")
        if size + len(line) + 64 > 500 * 1024:
            bodies.append((b'{"batch":[' + b",".join(batch) + b'],"sentAt":"2026-12-01T00:00:00Z"}', len(batch)))
            batch, size = [], 0
        batch.append(line)
        size += len(line) + 1
        count += 1
if batch:
    bodies.append((b'{"batch":[' + b",".join(batch) + b'],"sentAt":"2026-12-01T00:00:00Z"}', len(batch)))
auth = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
lock = threading.Lock()
queue = list(range(len(bodies)))
errors = []

def worker():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    while True:
        with lock:
            if not queue: break
            i = queue.pop(0)
        body, _ = bodies[i]
        c.request("POST", "/segment/v1/batch", body=body, headers={"Content-Type": "application/json", "Authorization": auth})
        r = c.getresponse()
        data = r.read()
        if r.status != 200:
            errors.append((r.status, data[:300]))
            return

start = time.time()
threads = [threading.Thread(target=worker) for _ in range(connections)]
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.time() - start
if errors: sys.exit(f"errors: {errors[:3]}")
print(f"segment batch over HTTP: {count:,} events in {len(bodies)} batches ({count / len(bodies):,.0f} a batch) "
      f"over {connections} connections: {elapsed:.2f} s, {count / elapsed:,.0f} events/s")
