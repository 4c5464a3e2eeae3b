#!/usr/bin/env python3
"""gen_assets.py — makes the refclient's two built-in media files, with nothing but the
Python standard library (so anyone can regenerate them byte for byte):

  frame.jpg   640x480 baseline JPEG (JFIF, SOF0, 4:2:0, quality 85, one COM segment):
              a synthetic camera picture (sky, ground, a window, a person-like shape,
              sensor noise), about 45 KB. The bailian LiveAI frames and `image: builtin`.
  speech.wav  16 kHz mono 16-bit PCM, 1.5 s of speech-like sound: three synthetic vowels
              (a glottal pulse train through formant resonators, gliding pitch), nothing
              after it (the client adds the silence). Every 100 ms has samples well above
              the |v| < 500 silence threshold.

Run from anywhere: python3 clients/refclient/assets/gen_assets.py
The outputs are committed; the build embeds them into the refclient (clients/CMakeLists.txt).
"""
import math
import os
import struct
import wave

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- the picture ------------------------------------------------------------------------

W, H = 640, 480


class Lcg:
    """A tiny deterministic generator (same bytes on every machine and Python)."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFF

    def next(self):
        self.s = (self.s * 1664525 + 1013904223) & 0xFFFFFFFF
        return self.s

    def noise(self, amp):
        return ((self.next() >> 16) % (2 * amp + 1)) - amp


def clamp(v):
    return 0 if v < 0 else 255 if v > 255 else int(v)


def scene():
    rng = Lcg(20240607)
    px = bytearray(W * H * 3)
    for y in range(H):
        for x in range(W):
            if y < 300:  # sky, darker at the top
                t = y / 300.0
                r, g, b = 70 + 90 * t, 120 + 80 * t, 200 + 40 * t
            else:  # floor with a plank pattern
                t = (y - 300) / 180.0
                plank = 12 if ((x + (y // 30) * 37) // 80) % 2 else -8
                r, g, b = 150 - 40 * t + plank, 110 - 30 * t + plank, 70 - 20 * t
            # a window frame with a pane
            if 60 <= x < 260 and 50 <= y < 230:
                if x < 70 or x >= 250 or y < 60 or y >= 220 or 155 <= x < 165 or 135 <= y < 145:
                    r, g, b = 235, 235, 225
                else:
                    r, g, b = 150 + (x - 70) * 0.3, 190, 230 - (y - 60) * 0.2
            # the "sun" through the pane
            d = math.hypot(x - 200, y - 100)
            if d < 28:
                r, g, b = 255, 240, 170
            # a person-like shape: head and shoulders
            dh = math.hypot(x - 430, y - 200)
            if dh < 55:
                r, g, b = 224 - dh * 0.6, 180 - dh * 0.6, 150 - dh * 0.5
            elif y > 250 and abs(x - 430) < 120 - (480 - y) * 0.25:
                r, g, b = 40 + (x % 16) * 2, 60, 120 + ((x + y) % 24)
            n = rng.noise(6)  # sensor noise, what makes a photo cost bytes
            i = (y * W + x) * 3
            px[i] = clamp(r + n)
            px[i + 1] = clamp(g + n + rng.noise(3))
            px[i + 2] = clamp(b + n + rng.noise(3))
    return px


# ---- a baseline JPEG encoder (ITU T.81) ----------------------------------------------------

ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48,
          41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15,
          23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63]

Q_LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40,
          57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24,
          35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98,
          112, 100, 103, 99]
Q_CHROMA = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99,
            99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32


def scaled(table, quality):
    s = 5000 / quality if quality < 50 else 200 - 2 * quality
    return [min(255, max(1, int((q * s + 50) // 100))) for q in table]


# Huffman tables: the DC ones and the luminance AC one of T.81 Annex K. Whatever the value
# order, the DHT segment written below defines the code, so the file decodes as long as every
# symbol used is in the table (checked).
DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
DC_VALS = list(range(12))
AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
AC_HEAD = [0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51,
           0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1,
           0x15, 0x52, 0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18,
           0x19, 0x1A, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A]
AC_ALL = [0x00, 0xF0] + [(r << 4) | s for r in range(16) for s in range(1, 11)]
AC_VALS = AC_HEAD + sorted(v for v in AC_ALL if v not in AC_HEAD)
assert sum(AC_BITS) == len(AC_VALS) == 162 and sorted(AC_VALS) == sorted(AC_ALL)
assert sum(DC_BITS) == len(DC_VALS)


def huff_codes(bits, vals):
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


DC_CODES = huff_codes(DC_BITS, DC_VALS)
AC_CODES = huff_codes(AC_BITS, AC_VALS)

COS = [[math.cos((2 * x + 1) * u * math.pi / 16) * (math.sqrt(0.5) if u == 0 else 1.0) / 2
        for x in range(8)] for u in range(8)]


def fdct(block):
    """8x8 forward DCT of 64 level-shifted samples (row-major), separable."""
    tmp = [0.0] * 64
    for y in range(8):
        row = block[y * 8:y * 8 + 8]
        for u in range(8):
            c = COS[u]
            tmp[y * 8 + u] = sum(c[x] * row[x] for x in range(8))
    out = [0.0] * 64
    for u in range(8):
        col = [tmp[y * 8 + u] for y in range(8)]
        for v in range(8):
            c = COS[v]
            out[v * 8 + u] = sum(c[y] * col[y] for y in range(8))
    return out


class BitWriter:
    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, code, length):
        self.acc = (self.acc << length) | code
        self.n += length
        while self.n >= 8:
            self.n -= 8
            b = (self.acc >> self.n) & 0xFF
            self.out.append(b)
            if b == 0xFF:
                self.out.append(0)  # byte stuffing
        self.acc &= (1 << self.n) - 1

    def flush(self):
        if self.n:
            self.put((1 << (8 - self.n)) - 1, 8 - self.n)  # pad with 1 bits


def category(v):
    v = abs(v)
    n = 0
    while v:
        n += 1
        v >>= 1
    return n


def bits_of(v, n):
    return v if v >= 0 else v + (1 << n) - 1


def encode_block(bw, samples, qt, prev_dc):
    coef = fdct([s - 128 for s in samples])
    q = [int(round(coef[ZIGZAG[i]] / qt[i])) for i in range(64)]
    diff = q[0] - prev_dc
    n = category(diff)
    bw.put(*DC_CODES[n])
    if n:
        bw.put(bits_of(diff, n), n)
    run = 0
    for i in range(1, 64):
        v = q[i]
        if v == 0:
            run += 1
            continue
        while run > 15:
            bw.put(*AC_CODES[0xF0])
            run -= 16
        n = category(v)
        bw.put(*AC_CODES[(run << 4) | n])
        bw.put(bits_of(v, n), n)
        run = 0
    if run:
        bw.put(*AC_CODES[0x00])
    return q[0]


def segment(marker, body):
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def dht(cls_id, bits, vals):
    return bytes([cls_id]) + bytes(bits) + bytes(vals)


def jpeg(px, quality=85, comment=b"parley refclient builtin frame 640x480"):
    ql, qc = scaled(Q_LUMA, quality), scaled(Q_CHROMA, quality)
    ycc = [[0.0] * (W * H) for _ in range(3)]
    for i in range(W * H):
        r, g, b = px[3 * i], px[3 * i + 1], px[3 * i + 2]
        ycc[0][i] = 0.299 * r + 0.587 * g + 0.114 * b
        ycc[1][i] = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b
        ycc[2][i] = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b
    bw = BitWriter()
    dc = [0, 0, 0]
    for my in range(0, H, 16):
        for mx in range(0, W, 16):
            for by in (0, 8):
                for bx in (0, 8):
                    blk = [ycc[0][(my + by + y) * W + mx + bx + x] for y in range(8) for x in range(8)]
                    dc[0] = encode_block(bw, blk, ql, dc[0])
            for c in (1, 2):  # 2x2 average: 4:2:0
                plane = ycc[c]
                blk = []
                for y in range(8):
                    for x in range(8):
                        p = (my + 2 * y) * W + mx + 2 * x
                        blk.append((plane[p] + plane[p + 1] + plane[p + W] + plane[p + W + 1]) / 4)
                dc[c] = encode_block(bw, blk, qc, dc[c])
    bw.flush()
    out = bytearray(b"\xFF\xD8")
    out += segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    out += segment(0xFE, comment)
    out += segment(0xDB, bytes([0]) + bytes(ql[i] for i in range(64)))  # tables already zigzag
    out += segment(0xDB, bytes([1]) + bytes(qc[i] for i in range(64)))
    out += segment(0xC0, struct.pack(">BHHB", 8, H, W, 3) +
                   bytes([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]))
    out += segment(0xC4, dht(0x00, DC_BITS, DC_VALS) + dht(0x10, AC_BITS, AC_VALS) +
                   dht(0x01, DC_BITS, DC_VALS) + dht(0x11, AC_BITS, AC_VALS))
    out += segment(0xDA, bytes([3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]))
    out += bw.out
    out += b"\xFF\xD9"
    return bytes(out)


# The quantisation tables above are given in natural order; T.81 stores them in zigzag
# order, and encode_block divides the zigzag-ordered coefficients by qt[i]: reorder once.
Q_LUMA = [Q_LUMA[ZIGZAG[i]] for i in range(64)]
Q_CHROMA = [Q_CHROMA[ZIGZAG[i]] for i in range(64)]

# ---- the sound --------------------------------------------------------------------------

RATE = 16000


def resonator(freq, bw):
    """Coefficients of a 2-pole formant resonator (Klatt)."""
    t = 1.0 / RATE
    c = -math.exp(-2 * math.pi * bw * t)
    b = 2 * math.exp(-math.pi * bw * t) * math.cos(2 * math.pi * freq * t)
    a = 1 - b - c
    return a, b, c


VOWELS = [  # (F1, F2, F3) Hz: "a", "e", "o"
    (730, 1090, 2440),
    (530, 1840, 2480),
    (570, 840, 2410),
]


def speech():
    n_total = int(RATE * 1.5)
    per = n_total // len(VOWELS)
    out = []
    phase = 0.0
    state = [[0.0, 0.0] for _ in range(3)]
    for i in range(n_total):
        v = min(i // per, len(VOWELS) - 1)
        t_in = (i - v * per) / per  # 0..1 inside the syllable
        f0 = 110 + 40 * math.sin(math.pi * t_in) + 10 * v  # rising-falling pitch
        phase += f0 / RATE
        src = 1.0 if phase >= 1.0 else 0.0  # one glottal pulse per period
        if phase >= 1.0:
            phase -= 1.0
        src += 0.02 * math.sin(2 * math.pi * 3000 * i / RATE)  # a little breath
        y = src
        acc = 0.0
        for k, (f, bw) in enumerate(zip(VOWELS[v], (80, 90, 120))):
            a, b, c = resonator(f, bw)
            s = state[k]
            out_k = a * y + b * s[0] + c * s[1]
            s[1], s[0] = s[0], out_k
            acc += out_k * (1.0, 0.6, 0.3)[k]
        env = 0.45 + 0.55 * math.sin(math.pi * t_in) ** 0.5  # never quieter than 0.45
        fade = min(1.0, i / 160, (n_total - i) / 160)  # 10 ms in and out
        out.append(acc * env * fade)
    peak = max(abs(s) for s in out) or 1.0
    pcm = [int(round(s / peak * 12000)) for s in out]
    return pcm


def main():
    jpg = jpeg(scene())
    with open(os.path.join(HERE, "frame.jpg"), "wb") as f:
        f.write(jpg)
    pcm = speech()
    with wave.open(os.path.join(HERE, "speech.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(struct.pack("<%dh" % len(pcm), *pcm))
    # every 100 ms chunk must be loud enough to count as speech
    for c in range(0, len(pcm), RATE // 10):
        assert max(abs(s) for s in pcm[c:c + RATE // 10]) >= 2000, c
    print("frame.jpg %d bytes, speech.wav %d samples" % (len(jpg), len(pcm)))


if __name__ == "__main__":
    main()
