#!/usr/bin/env python3
"""A local HTTP server for the download tests: serves files from a folder on
127.0.0.1 with the faults a real download meets. Prints its port, then serves
until killed. Every request's path and Range header go to LOG (one JSON line
each), so a test can check that a resumed download asked for the rest only.

  /ok/NAME             the file, with Range support (206)
  /cut/NAME            promises the whole file, sends half, closes (interrupted)
  /slow/NAME           sends 100 bytes, then stalls
  /hf/NAME             302 to /ok/NAME with HuggingFace's X-Linked-Etag (the SHA-256)
  /hf-wrong-etag/NAME  the same with a wrong SHA-256
  anything else        404
  http://HOST/...      the same, asked as a proxy (http_proxy pointing here)

usage: fixture_server.py ROOT LOG
"""
import hashlib
import http.server
import json
import os
import sys
import time

ROOT, LOG = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with open(LOG, "a") as log:
            log.write(json.dumps({"path": self.path, "range": self.headers.get("Range")}) + "\n")
        path = self.path
        if path.startswith("http://"):  # asked as a proxy: the host is not ours to check
            path = "/" + path.split("/", 3)[3]
        parts = path.strip("/").split("/", 1)
        if len(parts) != 2 or not os.path.isfile(os.path.join(ROOT, parts[1])):
            return self.error(404)
        mode, name = parts
        data = open(os.path.join(ROOT, name), "rb").read()
        if mode == "ok":
            return self.send_file(data)
        if mode == "cut":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "slow":
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:100])
            self.wfile.flush()
            time.sleep(30)
            return
        if mode in ("hf", "hf-wrong-etag"):
            sha = hashlib.sha256(data).hexdigest()
            if mode == "hf-wrong-etag":
                sha = "0" * 64
            self.send_response(302)
            self.send_header("Location", "/ok/" + name)
            self.send_header("X-Linked-Etag", '"%s"' % sha)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.error(404)

    def error(self, code):
        body = b"not found\n"
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_file(self, data):
        start = 0
        header = self.headers.get("Range")
        if header and header.startswith("bytes=") and header.endswith("-"):
            start = int(header[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        self.wfile.write(data[start:])


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
# One write, then stdout is done with: the test reads this line and closes the pipe.
os.write(1, b"%d\n" % server.server_address[1])
os.close(1)
sys.stdout = open(os.devnull, "w")
server.serve_forever()
