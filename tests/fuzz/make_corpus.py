#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/),
each in the input layout its NAME_fuzz.cpp describes:

- shm_ring: a few rings as an honest peer leaves them, each followed by a
  short script;
- shm_handshake: hellos and replies as strait writes them, and a listener's error;
- endpoint: one URL of each form endpoint.hpp lists;
- stream_frames: streams of frames as docs/wire-format.md writes them, under
  several maxima, buffer sizes and schedules, and the ways a stream goes wrong;
- mailslot_datagram: broadcast datagrams for the reader's name.

    tests/fuzz/make_corpus.py        (from anywhere; rewrites the files)

Rerun it when one of those formats changes.
"""
import pathlib
import struct

CAPACITIES = [4096, 4160, 4608, 8192]
CONTROL_SIZE = 256  # sizeof(ring_control)
END_OF_MESSAGE = 1
WRAP_TO_START = 2

# The script's operations, in the order of shm_ring_fuzz.cpp's enum op.
READ, PEEK, TAIL_NEAR_HEAD, TAIL_ANYWHERE, HEADER_NEAR_HEAD, POKE_DATA, WRITE, \
    HEAD_NEAR_TAIL, HEAD_ANYWHERE = range(9)


def padded(n):
    return (n + 7) & ~7


class Ring:
    """The data area of one ring, written from `start` on like ring_producer."""

    def __init__(self, capacity_index, eighths):
        self.capacity = CAPACITIES[capacity_index]
        self.shape = capacity_index | (eighths << 2)
        self.start = eighths * (self.capacity // 8)
        self.tail = self.start
        self.data = bytearray(self.capacity)

    def header(self, at, size, flags):
        self.data[at:at + 8] = struct.pack("<II", size, flags)

    def write(self, payload, last):
        offset = self.tail % self.capacity
        record = 8 + padded(len(payload))
        if record > self.capacity - offset:
            self.header(offset, 0, WRAP_TO_START)
            self.tail += self.capacity - offset
            offset = 0
        self.header(offset, len(payload), END_OF_MESSAGE if last else 0)
        self.data[offset + 8:offset + 8 + len(payload)] = payload
        self.tail += record

    def message(self, payload, piece):
        """Writes `payload` in pieces of at most `piece` bytes."""
        pieces = [payload[i:i + piece] for i in range(0, len(payload), piece)] or [b""]
        for i, p in enumerate(pieces):
            self.write(p, i == len(pieces) - 1)

    def input(self, script):
        control = bytearray(CONTROL_SIZE)
        control[0:8] = struct.pack("<Q", self.tail - self.start)  # relative to start
        return bytes([self.shape]) + bytes(control) + bytes(self.data) + bytes(script)


def text(n, seed):
    return bytes((i * 31 + seed) & 0xFF for i in range(n))


def u16(v):
    return struct.pack("<H", v)


# Reads a few records, writes into our ring while the peer moves its head.
SCRIPT = bytes([READ, PEEK, READ]) + bytes([WRITE]) + u16(101) + bytes([HEAD_NEAR_TAIL]) + \
    u16(0) + bytes([WRITE]) + u16(2040) + bytes([WRITE]) + u16(2040) + \
    bytes([HEAD_NEAR_TAIL]) + u16(8) + bytes([WRITE]) + u16(0) + bytes([READ, READ])


def seeds():
    one = Ring(0, 0)
    one.message(b"hello", 2040)
    yield "one_message", one

    wrapped = Ring(0, 7)  # 512 bytes before the end: the message wraps
    wrapped.message(text(600, 1), 2040)
    yield "wrapped_message", wrapped

    pieces = Ring(1, 0)
    pieces.message(text(2500, 2), 1000)
    yield "multi_piece_message", pieces

    zero = Ring(3, 9)  # second lap
    zero.message(b"", 4088)
    zero.message(text(3000, 3), 4088)
    yield "zero_length_message", zero

    laps = Ring(2, 31)  # nearly four laps on, 576 bytes before the end
    for n in (0, 100, 200, 300):
        laps.message(text(n, n), 2296)
    yield "several_messages_wrapping", laps


def shm_ring_seeds():
    for name, ring in seeds():
        yield name, ring.input(SCRIPT)


# ---- shm_handshake: byte 0 bit 0 = reply, then the text ---------------------

def shm_handshake_seeds():
    yield "hello", b"\0strait-shm/2 strait-shm.r.0123456789abcdef 4194304 67108864"
    yield "hello_small_ring", b"\0strait-shm/2 r 4096 1"
    yield "listener_error", b"\0strait-shm/2 error 2"
    yield "reply", b"\1ok 67108864"


# ---- endpoint: the URL --------------------------------------------------------

def endpoint_seeds():
    urls = ["tcp://localhost:8080", "tcp://127.0.0.1:0", "tcp://[::1]:65535",
            "unix:///run/user/1000/app.sock", "unix://app", "pipe://name",
            "pipe://server/name", "mailslot://name", "mailslot://*/name",
            "mailslot://host/name", "shm://my_channel-1.x"]
    for i, url in enumerate(urls):
        yield f"url_{i:02}", url.encode()


# ---- stream_frames: config, u32 seed, the stream --------------------------------

def frame(payload, kind=1, reserved=b"\0\0\0", length=None):
    return struct.pack("<IB", len(payload) if length is None else length, kind) + \
        reserved + payload


def stream_input(max_index, buffer_index, seed, stream):
    return bytes([max_index | buffer_index << 3]) + struct.pack("<I", seed) + stream


def stream_frames_seeds():
    small = frame(b"hello") + frame(b"") + frame(text(100, 5))
    yield "small_messages", stream_input(2, 1, 1, small)
    yield "small_messages_other_schedule", stream_input(3, 5, 0x9e3779b9, small)
    yield "pieces_of_a_message", stream_input(3, 0, 7, frame(text(3000, 6)) + frame(b"x"))
    # Over 16 KiB, received into a large buffer: read straight into it.
    yield "large_message", stream_input(5, 6, 11, frame(text(17000, 7)) + frame(b"end"))
    yield "over_the_maximum", stream_input(2, 4, 3, frame(b"ok") + frame(text(101, 8)))
    yield "unknown_type", stream_input(3, 3, 5, frame(b"ok") + frame(b"bad", kind=2))
    yield "reserved_bytes", stream_input(3, 3, 9, frame(b"bad", reserved=b"\0\1\0"))
    yield "cut_header", stream_input(3, 2, 13, frame(b"ok") + frame(b"")[:5])
    yield "cut_payload", stream_input(4, 4, 17, frame(b"ok") + frame(text(500, 9))[:300])
    yield "empty_stream", stream_input(0, 0, 19, b"")


# ---- mailslot_datagram: k, the reader's name (k mod 16 bytes), the datagram -------

def datagram(name, payload):
    return b"SMSL" + bytes([1, len(name)]) + struct.pack("<H", len(payload)) + name + payload


def mailslot_datagram_seeds():
    yield "for_the_name", bytes([5]) + b"alarm" + datagram(b"alarm", b"ring")
    yield "name_in_upper_case", bytes([5]) + b"alarm" + datagram(b"ALArm", text(424, 10))
    yield "empty_payload", bytes([1]) + b"a" + datagram(b"a", b"")
    yield "other_name", bytes([5]) + b"alarm" + datagram(b"alarn", b"ring")


def main():
    root = pathlib.Path(__file__).resolve().parent / "corpus"
    corpora = {"shm_ring": shm_ring_seeds, "shm_handshake": shm_handshake_seeds,
               "endpoint": endpoint_seeds, "stream_frames": stream_frames_seeds,
               "mailslot_datagram": mailslot_datagram_seeds}
    for target, make in corpora.items():
        out = root / target
        out.mkdir(parents=True, exist_ok=True)
        for name, data in make():
            (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
