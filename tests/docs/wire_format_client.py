"""python3 wire_format_client.py WIRE_FORMAT_MD ECHO_SERVER

Runs the Python client of docs/wire-format.md, as printed there, against
echo_server: with the runtime directory found through XDG_RUNTIME_DIR (a
short one: the /proc/self/fd side of the sun_path rule) and through TMPDIR (a
deep one, ending in '/' as on macOS: the directory's side), for a short name,
for names on both sides of the sun_path edge (as is, hashed) and for a
128-byte one. Then checks what the page says of a malformed header: strait
ends the connection (the client reads end of stream) and goes on serving
others. Exits non-zero with the reason.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile


def client_code(markdown_path):
    with open(markdown_path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## A client in Python", 1)[-1]
    block = re.search(r"```python\n(.*?)```", section, re.S)
    if not block:
        sys.exit(f"{markdown_path}: no ```python block under 'A client in Python'")
    return block.group(1)


class EchoServer:
    """echo_server URL, ready once it has printed that it serves."""

    def __init__(self, program, url):
        self.process = subprocess.Popen([program, url], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("echo_server: serving "):
            self.process.kill()
            sys.exit(f"echo_server {url} did not start (printed {line!r})")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()  # SIGTERM: it frees the name and exits
        self.process.wait()


def run_client(code, name):
    """The page's client as a user runs it: python3 client.py NAME."""
    done = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True)
    if done.returncode != 0 or done.stdout != "b'hello'\n":
        sys.exit(f"the client failed for a name of {len(name)} bytes ({done.returncode}):\n"
                 f"{done.stdout}{done.stderr}")


def check_protocol_error_ends_connection(client, program):
    with EchoServer(program, "unix://strict"):
        path = client["socket_path"]("unix", "strict")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            client["send"](sock, b"before")
            if client["receive"](sock) != b"before":
                sys.exit("echo_server did not echo the message before the bad header")
            sock.sendall(b"\x05\x00\x00\x00\x02\x00\x00\x00hello")  # type 2: not a message
            rest = sock.recv(64)
            if rest != b"":
                sys.exit(f"after a malformed header strait sent {rest!r}, not end of stream")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            client["send"](sock, b"after")
            if client["receive"](sock) != b"after":
                sys.exit("echo_server stopped serving after one client's protocol error")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    code = client_code(sys.argv[1])
    program = sys.argv[2]
    client = {"__name__": "wire_format_client"}  # the functions, without running the client
    exec(compile(code, sys.argv[1], "exec"), client)

    base = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "TMPDIR")}
    short = tempfile.mkdtemp(prefix="s", dir="/tmp")  # DIR /tmp/sXXXXXXXX/strait: 21 bytes
    work = tempfile.mkdtemp(dir="/tmp")  # not $TMPDIR: macOS's would leave no room
    try:
        deep = os.path.join(work, "a-directory-deeper-than-proc-self-fd", "T")
        os.makedirs(deep, mode=0o700)
        environments = {"XDG_RUNTIME_DIR": dict(base, XDG_RUNTIME_DIR=short),
                        "TMPDIR": dict(base, TMPDIR=deep + "/")}
        for variable, env in environments.items():
            os.environ.clear()
            os.environ.update(env)  # for the page's functions and the child processes
            directory = client["runtime_directory"]()
            sun_path = 108 if sys.platform.startswith("linux") else 104
            room = sun_path - 1 - max(25, len(directory) + 1)
            # "unix." + NAME of `room` bytes is the edge; one byte more is hashed.
            names = ["echo", "e" * (room - 5), "f" * (room - 4), "G" * 128]
            for name in names:
                with EchoServer(program, f"unix://{name}"):
                    run_client(code, name)
            print(f"{variable}: {directory} (room {room}): the client reached names of "
                  f"{', '.join(str(len(n)) for n in names)} bytes")
        os.environ.clear()
        os.environ.update(environments["XDG_RUNTIME_DIR"])
        check_protocol_error_ends_connection(client, program)
        print("a malformed header ended its connection; the server went on serving")
    finally:
        shutil.rmtree(short, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
