#!/usr/bin/env python3
"""safetensors_check - validates a .safetensors file the way the reference
library (huggingface/safetensors, Rust crate 0.6: tensor.rs, read_metadata
and Metadata::validate) does, with the Python standard library only. It
stands in for `safetensors.safe_open` where that package cannot be installed.

Usage: python3 tests/lib/safetensors_check.py FILE...

For each file prints "FILE: ok, ..." and its tensors (name, dtype, shape) in
file order, or "FILE: invalid: what is wrong". Exits 0 when every file is
valid, 1 when any is not, 2 on bad usage. (Several files per run because
interpreter start-up dominates the test's time.)

The rules, in the reference's order:
  - the file has at least 8 bytes; they are a little-endian u64 header
    length N with N <= 100_000_000 and 8 + N <= the file size;
  - the N header bytes are UTF-8 and one JSON object (serde_json: JSON
    whitespace may surround it, so space padding is fine; NaN/Infinity,
    unpaired surrogate escapes and nesting deeper than 127 are not);
  - "__metadata__", when present, is null or an object of strings;
  - every other key is a tensor: an object with "dtype" (a safetensors
    dtype), "shape" (integers 0 <= d < 2**64) and "data_offsets" (exactly
    two such integers); other fields are ignored; a field given twice is an
    error;
  - sorted by (begin, end), each tensor begins where the previous one ended
    (the first at 0), end >= begin, and end - begin equals
    product(shape) * dtype bits / 8, computed without u64 overflow and in
    whole bytes;
  - the last end plus 8 + N is exactly the file size.
Deliberately stricter: a key given twice anywhere is an error (the reference
lets a later tensor entry or metadata key silently replace an earlier one).
"""

import json
import struct
import sys

MAX_HEADER_SIZE = 100_000_000  # the reference's MAX_HEADER_SIZE
MAX_DEPTH = 127  # serde_json's recursion limit (128) less the one that fails
U64 = 2**64

DTYPE_BITS = {
    "BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8,
    "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16,
    "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32, "C64": 64,
    "F64": 64, "I64": 64, "U64": 64,
}


class Invalid(Exception):
    """The file breaks a rule; the message says which."""


def _object(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise Invalid(f"bad JSON header: key {key!r} appears twice in one object")
        seen.add(key)
    return dict(pairs)


def _constant(name):
    raise Invalid(f"bad JSON header: {name} is not valid JSON")


def _check_strings(value, depth):
    """Rejects what serde_json rejects but Python's json accepts."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid("bad JSON header: a string holds an unpaired surrogate escape")
    elif isinstance(value, (dict, list)):
        if depth > MAX_DEPTH:
            raise Invalid(f"bad JSON header: nested deeper than {MAX_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            _check_strings(key, depth)
            _check_strings(item, depth + 1)


def _u64(value):
    # bool is an int in Python but not an integer in JSON.
    return type(value) is int and 0 <= value < U64


def _tensor(name, info):
    where = f"tensor {name!r}"
    if not isinstance(info, dict):
        raise Invalid(f"{where}: entry is not a JSON object")
    for field in ("dtype", "shape", "data_offsets"):
        if field not in info:
            raise Invalid(f"{where}: missing field {field!r}")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in DTYPE_BITS:
        raise Invalid(f"{where}: unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(_u64(d) for d in shape):
        raise Invalid(f"{where}: shape {shape!r} is not a list of unsigned 64-bit integers")
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(_u64(o) for o in offsets):
        raise Invalid(f"{where}: data_offsets {offsets!r} is not [begin, end] (u64)")
    return (name, dtype, shape, (offsets[0], offsets[1]))


def _metadata(value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("__metadata__ is not an object")
    for key, item in value.items():
        if not isinstance(item, str):
            raise Invalid(f"__metadata__ value of {key!r} is not a string")
    return value


def _validate(tensors, header_len, file_size):
    tensors.sort(key=lambda t: t[3])
    start = 0
    for name, dtype, shape, (begin, end) in tensors:
        if begin != start or end < begin:
            raise Invalid(f"tensor {name!r}: invalid data_offsets [{begin}, {end}] "
                          f"(expected to begin at {start})")
        start = end
        count = 1
        for d in shape:
            count *= d
            if count >= U64:
                raise Invalid(f"tensor {name!r}: shape {shape} overflows")
        bits = count * DTYPE_BITS[dtype]
        if bits >= U64:
            raise Invalid(f"tensor {name!r}: shape {shape} overflows")
        if bits % 8:
            raise Invalid(f"tensor {name!r}: shape {shape} of {dtype} is not whole bytes")
        if end - begin != bits // 8:
            raise Invalid(f"tensor {name!r}: data_offsets [{begin}, {end}] hold {end - begin} "
                          f"bytes, shape {shape} of {dtype} needs {bits // 8}")
    if start + 8 + header_len != file_size:
        raise Invalid(f"the tensors cover {start} data bytes but the file holds "
                      f"{file_size - 8 - header_len}")


def check(path):
    """Returns (tensors sorted by offset, metadata); raises Invalid or OSError."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        file_size = f.tell()
        f.seek(0)
        if file_size < 8:
            raise Invalid(f"only {file_size} bytes: too small for the header length")
        (header_len,) = struct.unpack("<Q", f.read(8))
        if header_len > MAX_HEADER_SIZE:
            raise Invalid(f"header length {header_len} is over {MAX_HEADER_SIZE}")
        if 8 + header_len > file_size:
            raise Invalid(f"header length {header_len} runs past the end of the file")
        raw = f.read(header_len)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Invalid(f"header is not UTF-8: {e}")
    try:
        header = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except (ValueError, RecursionError) as e:
        raise Invalid(f"bad JSON header: {e}")
    if not isinstance(header, dict):
        raise Invalid("the header is not a JSON object")
    _check_strings(header, 1)
    metadata = {}
    tensors = []
    for name, info in header.items():
        if name == "__metadata__":
            metadata = _metadata(info)
        else:
            tensors.append(_tensor(name, info))
    _validate(tensors, header_len, file_size)
    return tensors, metadata


def main(argv):
    if len(argv) < 2:
        print("usage: safetensors_check.py FILE...", file=sys.stderr)
        return 2
    status = 0
    for path in argv[1:]:
        try:
            tensors, metadata = check(path)
        except Invalid as e:
            print(f"{path}: invalid: {e}")
            status = 1
            continue
        except OSError as e:
            print(f"{path}: invalid: cannot read: {e}")
            status = 1
            continue
        print(f"{path}: ok, {len(tensors)} tensors, {len(metadata)} metadata keys")
        for name, dtype, shape, _ in tensors:
            print(f"  {json.dumps(name)} {dtype} {shape}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
