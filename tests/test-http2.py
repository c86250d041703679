#!/usr/bin/env python3
"""Flat memory whatever the server negotiates (issue 10, point 20).

nginx serves four 128 MiB files over HTTP/2 on TLS (ALPN offers h2, as
most CDNs do); trawl-cli downloads them four at a time. Its peak RSS must
stay within 32 MiB and every file must arrive whole. Prints TAP.
"""

import hashlib
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

SIZE = 128 * 1024 * 1024
FILES = 4
LIMIT_KIB = 32 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    source = os.environ.get("G_TEST_SRCDIR", os.path.dirname(os.path.abspath(__file__)))
    cli = os.environ["TRAWL_CLI"]
    nginx = os.environ.get("TRAWL_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    tls = os.path.join(os.path.abspath(source), "fixtures", "tls")
    print("1..1")

    with tempfile.TemporaryDirectory(prefix="trawl-http2-") as top:
        www = os.path.join(top, "www")
        out = os.path.join(top, "out")
        os.makedirs(www)
        # Different bytes per file, binary as a video's are (a short pattern
        # repeated could read as text), written in 1 MiB blocks.
        sums = []
        for n in range(FILES):
            block = b"".join(hashlib.sha256(f"{n}-{i}".encode()).digest()
                             for i in range(1 << 15))
            with open(os.path.join(www, f"clip{n}.mp4"), "wb") as f:
                for _ in range(SIZE // len(block)):
                    f.write(block)
            sums.append(sha256(os.path.join(www, f"clip{n}.mp4")))

        port = free_port()
        conf = os.path.join(top, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""
daemon off;
master_process off;
error_log {top}/error.log;
pid {top}/nginx.pid;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {top}/body;
  proxy_temp_path {top}/proxy;
  fastcgi_temp_path {top}/fastcgi;
  uwsgi_temp_path {top}/uwsgi;
  scgi_temp_path {top}/scgi;
  types {{ video/mp4 mp4; }}
  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {tls}/server-with-key.pem;
    ssl_certificate_key {tls}/server-with-key.pem;
    root {www};
  }}
}}
""")
        server = subprocess.Popen([nginx, "-c", conf, "-p", top],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        print(f"not ok 1 nginx did not start: {server.stderr.read()!r}")
                        return 1
                    time.sleep(0.05)

            urls = [f"https://127.0.0.1:{port}/clip{n}.mp4" for n in range(FILES)]
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            run = subprocess.run([cli, "-q", "--no-archive", "-j", str(FILES), "-o", out,
                                  "--ca-file", os.path.join(tls, "ca.pem")] + urls,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 timeout=600)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        finally:
            server.terminate()
            server.wait()

        problems = []
        if run.returncode != 0:
            problems.append(f"trawl-cli exited {run.returncode}: {run.stderr.strip()}")
        if peak <= before:
            problems.append("no RSS figure for trawl-cli")
        for n in range(FILES):
            path = os.path.join(out, f"clip{n}.mp4")
            if not os.path.exists(path) or sha256(path) != sums[n]:
                problems.append(f"clip{n}.mp4 is missing or wrong")
        print(f"# peak RSS of trawl-cli: {peak / 1024:.1f} MiB for {FILES} x "
              f"{SIZE >> 20} MiB over HTTP/2")
        if peak > LIMIT_KIB:
            problems.append(f"peak RSS {peak / 1024:.1f} MiB > {LIMIT_KIB / 1024:.0f} MiB")
        if problems:
            print("not ok 1 /http2/flat-memory # " + "; ".join(problems))
            return 1
        print("ok 1 /http2/flat-memory")
        return 0


if __name__ == "__main__":
    sys.exit(main())
