"""Writes the decompression bombs and huge headers of the reliability audit
(`../shared/reference/reliability-2026.md`, F3 and F7) into a folder, with the Python
standard library only (zlib, struct): files of a few bytes to a few MB that claim or
expand to gigabytes.

    python3 tests/bombs/make.py DIR
"""
import os
import struct
import sys
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(w, h, depth=8, color=6, rows=None, extra=b"", level=9):
    """A PNG whose every row is zeros (unless `rows` gives the raw scanlines)."""
    bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color] * depth
    stride = (w * bpp + 7) // 8
    if rows is None:
        z = zlib.compressobj(level)
        line = b"\0" * (stride + 1)
        parts = [z.compress(line) for _ in range(h)]
        idat = b"".join(parts) + z.flush()
    else:
        idat = zlib.compress(rows, level)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_sof(w, h):
    """A baseline JPEG header claiming w x h with a tiny scan and an end marker."""
    soi = b"\xff\xd8"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, h, w, 1) + b"\x01\x11\x00"
    # DC and AC tables with one code each.
    dht = b"\xff\xc4" + struct.pack(">H", 2 + 17 + 1) + b"\x00" + bytes([1] + [0] * 15) + b"\x00"
    dht += b"\xff\xc4" + struct.pack(">H", 2 + 17 + 1) + b"\x10" + bytes([1] + [0] * 15) + b"\x00"
    sos = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return soi + dqt + sof + dht + sos + b"\x00" * 600 + b"\xff\xd9"


def webp_vp8x(w, h):
    """A WebP extended header claiming w x h, with no image data after it."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00" + (w - 1).to_bytes(3, "little") + (h - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def iccp(profile_mb):
    """A 24x16 PNG whose iCCP chunk inflates to `profile_mb` MB."""
    z = zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    data = b"".join(z.compress(block) for _ in range(profile_mb)) + z.flush()
    extra = chunk(b"iCCP", b"bomb\0\0" + data)
    rows = b"".join(b"\0" + b"".join(bytes([x * 9 % 256, y * 15 % 256, 90, 255]) for x in range(24)) for y in range(16))
    return png(24, 16, rows=rows, extra=extra)


def ztxt(mb):
    """A 24x16 PNG with a zTXt chunk that inflates to `mb` MB."""
    z = zlib.compressobj(9)
    data = b"".join(z.compress(b"A" * (1 << 20)) for _ in range(mb)) + z.flush()
    extra = chunk(b"zTXt", b"Comment\0\0" + data)
    rows = b"".join(b"\0" + bytes([1, 2, 3, 255]) * 24 for _ in range(16))
    return png(24, 16, rows=rows, extra=extra)


BOMBS = {
    # name: (bytes, what the audit measured)
    "strip-1x14999.png": lambda: png(1, 14999),
    "zeros-10000x10000-1bit.png": lambda: png(10000, 10000, depth=1, color=0),
    "zeros-10000x10000-rgba16.png": lambda: png(10000, 10000, depth=16, color=6),
    "zeros-5900x5900-1bit.png": lambda: png(5900, 5900, depth=1, color=0),
    "ihdr-100000x100000.png": lambda: png(100000, 100000, depth=1, color=0, rows=b"\0"),
    "ihdr-2147483647.png": lambda: png(2147483647, 2147483647, depth=1, color=0, rows=b"\0"),
    "sof-10000x10000.jpg": lambda: jpeg_sof(10000, 10000),
    "sof-65535x65535.jpg": lambda: jpeg_sof(65535, 65535),
    "vp8x-16777216.webp": lambda: webp_vp8x(1 << 24, 1 << 24),
    "iccp-800mb.png": lambda: iccp(800),
    "ztxt-256mb.png": lambda: ztxt(256),
}


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, make in BOMBS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(make())


if __name__ == "__main__":
    main(sys.argv[1])
