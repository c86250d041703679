#!/usr/bin/python3
"""The classic pear-video crawler, as hand-written scripts do it: the board
page and its category_loading.jsp pages with lxml XPaths, each detail page
(the inline srcUrl regex, else the videoStatus.jsp API with a Referer and
the systemTime -> cont-<id> rewrite), then each video, whole in memory.
One request after another, or with --pool N a thread pool over the items.
Usage: classic_crawler.py [--pool N] OUTDIR BOARD_URL"""

import os
import random
import re
import sys
from multiprocessing.dummy import Pool
from urllib.parse import urljoin

import requests
from lxml import etree

UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36")
session = requests.Session()
session.headers["User-Agent"] = UA


def items_of(html, base):
    tree = etree.HTML(html)
    if tree is None:
        return []
    found = []
    for li in tree.xpath('//*[@id="listvideoListUl"]/li | /html/body/li'):
        href = li.xpath("./div/a/@href")
        title = li.xpath("./div/a/div[2]/text()")
        if href:
            found.append((urljoin(base, href[0]), title[0].strip() if title else href[0]))
    return found


def media_of(detail_url):
    page = session.get(detail_url, timeout=60).text
    match = re.search(r'srcUrl="(.*?)",vdoUrl=', page)
    if match:
        return match.group(1)
    cont = re.search(r"video_(\d+)", detail_url).group(1)
    api = urljoin(detail_url, f"videoStatus.jsp?contId={cont}&mrd={random.random()}")
    answer = session.get(api, headers={"Referer": detail_url}, timeout=60).json()
    src = answer["videoInfo"]["videos"]["srcUrl"]
    return src.replace(answer["systemTime"], f"cont-{cont}")


def download(job):
    out, (detail, title) = job
    media = media_of(detail)
    body = session.get(media, timeout=60).content
    name = re.sub(r'[\\/:*?"<>|]', "_", title) + ".mp4"
    with open(os.path.join(out, name), "wb") as f:
        f.write(body)
    return len(body)


def main():
    args = sys.argv[1:]
    pool = 0
    # --pages-only: the list-page chain alone, the critical path of a board.
    pages_only = args[0] == "--pages-only"
    if pages_only:
        args = args[1:]
    if args[0] == "--pool":
        pool = int(args[1])
        args = args[2:]
    out, board = args
    os.makedirs(out, exist_ok=True)

    category = re.search(r"category_(\d+)", board).group(1)
    items = items_of(session.get(board, timeout=60).text, board)
    start = len(items)
    while True:
        url = urljoin(board, f"category_loading.jsp?reqType=5&categoryId={category}&start={start}")
        more = items_of(session.get(url, timeout=60).text, board)
        if not more:
            break
        items += more
        start += len(more)
    if pages_only:
        print(len(items))
        return

    jobs = [(out, item) for item in items]
    if pool:
        with Pool(pool) as p:
            sizes = p.map(download, jobs)
    else:
        sizes = [download(job) for job in jobs]
    print(len(sizes), sum(sizes))


if __name__ == "__main__":
    main()
