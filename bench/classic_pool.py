#!/usr/bin/python3
"""The classic thread-pool downloader Trawl replaces: a
multiprocessing.dummy.Pool(4) of requests.get(...).content, each body held
whole in memory, then written. Usage: classic_pool.py OUTDIR URL..."""

import os
import sys
from multiprocessing.dummy import Pool

import requests


def fetch(job):
    url, path = job
    body = requests.get(url, timeout=60).content
    with open(path, "wb") as f:
        f.write(body)
    return len(body)


def main():
    out = sys.argv[1]
    urls = sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    jobs = [(u, os.path.join(out, f"{i}-{os.path.basename(u)}")) for i, u in enumerate(urls)]
    with Pool(4) as pool:
        sizes = pool.map(fetch, jobs)
    print(sum(sizes))


if __name__ == "__main__":
    main()
