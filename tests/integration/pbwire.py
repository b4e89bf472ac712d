"""Protocol Buffers wire format by hand, for tests that speak Rift's Twirp services (AuthService,
InfraService) without generated Python code."""
import struct


def _varint(n):
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode(fields):
    """fields: list of (number, value). str/bytes -> length-delimited, bool/int -> varint,
    float -> double (fixed64), Msg (a list wrapped in Msg) -> nested message."""
    out = bytearray()
    for num, val in fields:
        if val is None:
            continue
        if isinstance(val, Msg):
            b = encode(val.fields)
            out += _varint(num << 3 | 2) + _varint(len(b)) + b
        elif isinstance(val, float):
            out += _varint(num << 3 | 1) + struct.pack("<d", val)
        elif isinstance(val, (bool, int)):
            out += _varint(num << 3) + _varint(int(val))
        else:
            b = val.encode() if isinstance(val, str) else val
            out += _varint(num << 3 | 2) + _varint(len(b)) + b
    return bytes(out)


class Msg:
    def __init__(self, *fields):
        self.fields = list(fields)


def decode(data):
    """{number: [values]}: bytes for length-delimited, int for varint, float for fixed64."""
    i, out = 0, {}

    def varint():
        nonlocal i
        shift = val = 0
        while True:
            b = data[i]
            i += 1
            val |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return val
    while i < len(data):
        key = varint()
        num, wt = key >> 3, key & 7
        if wt == 0:
            out.setdefault(num, []).append(varint())
        elif wt == 1:
            out.setdefault(num, []).append(struct.unpack("<d", data[i:i + 8])[0])
            i += 8
        elif wt == 2:
            n = varint()
            out.setdefault(num, []).append(data[i:i + n])
            i += n
        elif wt == 5:
            i += 4
        else:
            raise ValueError(f"unexpected wire type {wt}")
    return out
