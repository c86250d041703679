#!/usr/bin/python3
"""The classic asyncio + aiohttp downloader: four at a time, each body read
whole with `await response.read()`, then written. Usage:
classic_async.py OUTDIR URL..."""

import asyncio
import os
import sys

import aiohttp


async def fetch(session, limit, url, path):
    async with limit:
        async with session.get(url) as response:
            body = await response.read()
    with open(path, "wb") as f:
        f.write(body)
    return len(body)


async def main():
    out = sys.argv[1]
    urls = sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    limit = asyncio.Semaphore(4)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        sizes = await asyncio.gather(*[
            fetch(session, limit, u, os.path.join(out, f"{i}-{os.path.basename(u)}"))
            for i, u in enumerate(urls)])
    print(sum(sizes))


if __name__ == "__main__":
    asyncio.run(main())
