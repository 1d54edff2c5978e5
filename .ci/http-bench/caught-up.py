#!/usr/bin/env python3
"""Waits until every projection of the server at URL has applied the log (lag 0), polling
/v1/projections every 50 ms for at most 120 s; prints the events behind at the start and the
seconds it took. Usage: caught-up.py URL [WHEN] (WHEN: default "at the last POST")"""
import json
import sys
import time
import urllib.request

url = sys.argv[1]
when = sys.argv[2] if len(sys.argv) > 2 else "at the last POST"

def lag():
    with urllib.request.urlopen(url + "/v1/projections", timeout=10) as r:
        return max(p["lag"] for p in json.load(r))

start = time.time()
behind = lag()
while time.time() - start < 120:
    if lag() == 0:
        print(f"worker: {behind:,} events behind {when}, caught up {time.time() - start:.2f} s later")
        sys.exit(0)
    time.sleep(0.05)
sys.exit(f"worker: not caught up after 120 s ({lag():,} behind)")
