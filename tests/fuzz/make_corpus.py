#!/usr/bin/env python3
"""Writes the seed corpus of shm_ring_fuzz (tests/fuzz/corpus/shm_ring/):
a few rings as an honest peer leaves them, in the input layout that
shm_ring_fuzz.cpp describes, each followed by a short script.

    tests/fuzz/make_corpus.py        (from anywhere; rewrites the files)

Rerun it when the ring's record format (core/src/shm_ring.hpp) changes.
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


def main():
    out = pathlib.Path(__file__).resolve().parent / "corpus" / "shm_ring"
    out.mkdir(parents=True, exist_ok=True)
    for name, ring in seeds():
        (out / name).write_bytes(ring.input(SCRIPT))


if __name__ == "__main__":
    main()
