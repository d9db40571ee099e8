#!/usr/bin/env python3
"""Generates the small checkpoint fixtures in this folder (python3 stdlib only).

torch is not needed: stand-in functions and classes carry the module and
qualified names torch uses (torch._utils._rebuild_tensor_v2, torch.FloatStorage,
...), so the pickles read exactly like torch.save output, and the zip archives
are laid out as torch writes them (stored entries, data aligned to 64 bytes by
padding the *local* extra field only). Output is deterministic.

    python3 tests/data/formats/make_fixtures.py
"""

import argparse
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile
import zlib

OUT = os.path.dirname(os.path.abspath(__file__))


# --- stand-ins for torch ---------------------------------------------------

def _module(name):
    mod = types.ModuleType(name)
    sys.modules[name] = mod
    return mod


torch = _module("torch")
torch_utils = _module("torch._utils")
torch_tensor = _module("torch._tensor")
fixture_mod = _module("mae_fixture")


def _named(mod, name, obj):
    obj.__module__ = mod.__name__
    obj.__qualname__ = name
    obj.__name__ = name
    setattr(mod, name, obj)
    return obj


def _fn(mod, name):
    def f(*args):
        raise RuntimeError("stand-in only")
    return _named(mod, name, f)


rebuild_tensor_v2 = _fn(torch_utils, "_rebuild_tensor_v2")
rebuild_parameter = _fn(torch_utils, "_rebuild_parameter")
rebuild_from_type_v2 = _fn(torch_tensor, "_rebuild_from_type_v2")
rebuild_qtensor = _fn(torch_utils, "_rebuild_qtensor")
TensorClass = _named(torch, "Tensor", type("Tensor", (), {}))

# name -> (struct format of one element, element size)
STORAGE = {
    "DoubleStorage": ("d", 8), "FloatStorage": ("f", 4), "HalfStorage": ("e", 2),
    "BFloat16Storage": (None, 2), "LongStorage": ("q", 8), "IntStorage": ("i", 4),
    "ShortStorage": ("h", 2), "CharStorage": ("b", 1), "ByteStorage": ("B", 1),
    "BoolStorage": ("?", 1),
}
STORAGE_CLASS = {n: _named(torch, n, type(n, (), {})) for n in STORAGE}


def bf16_bytes(values):
    # bfloat16 = the top 16 bits of a float32 (values here are exact).
    return b"".join(struct.pack("<f", v)[2:] for v in values)


class Storage:
    """A storage: raw little-endian bytes plus its torch storage class name."""

    def __init__(self, kind, values=None, raw=None, numel=None):
        self.kind = kind
        fmt, size = STORAGE[kind]
        if raw is None:
            raw = bf16_bytes(values) if fmt is None else struct.pack("<%d%s" % (len(values), fmt),
                                                                     *values)
        self.raw = raw
        self.numel = len(raw) // size if numel is None else numel
        self.key = None  # assigned when pickled, in order of first use (like torch)


class Tensor:
    def __init__(self, storage, size, stride=None, offset=0, wrap=None):
        self.storage, self.size, self.offset, self.wrap = storage, tuple(size), offset, wrap
        if stride is None:
            stride, acc = [], 1
            for d in reversed(size):
                stride.insert(0, acc)
                acc *= d
        self.stride = tuple(stride)

    def __reduce_ex__(self, proto):
        args = (self.storage, self.offset, self.size, self.stride, False, collections.OrderedDict())
        if self.wrap == "parameter":
            inner = Tensor(self.storage, self.size, self.stride, self.offset)
            return (rebuild_parameter, (inner, True, collections.OrderedDict()))
        if self.wrap == "from_type":
            return (rebuild_from_type_v2, (rebuild_tensor_v2, TensorClass, args, {}))
        if self.wrap == "qtensor":
            return (rebuild_qtensor, args)
        return (rebuild_tensor_v2, args)


def tensor(kind, values, size=None, **kw):
    return Tensor(Storage(kind, values), size if size is not None else [len(values)], **kw)


class TorchPickler(pickle.Pickler):
    def __init__(self, f):
        super().__init__(f, protocol=2)  # torch.save's default protocol
        self.storages = []

    def persistent_id(self, obj):
        if not isinstance(obj, Storage):
            return None
        if obj.key is None:
            obj.key = str(len(self.storages))
            self.storages.append(obj)
        return ("storage", STORAGE_CLASS[obj.kind], obj.key, "cpu", obj.numel)


def torch_pickle(obj):
    buf = io.BytesIO()
    p = TorchPickler(buf)
    p.dump(obj)
    return buf.getvalue(), p.storages


# --- zip writing as torch does it ------------------------------------------

def write_zip(path, entries, zip64=False, comment=b""):
    """entries: [(name, bytes)]. Stored, 64-byte aligned data, padding only in
    the local header's extra field. zip64=True writes every size and offset
    through ZIP64 extra fields and the ZIP64 end records, as big files need."""
    out = bytearray()
    central = bytearray()
    for name, data in entries:
        name_b = name.encode()
        crc = zlib.crc32(data)
        offset = len(out)
        z64_local = struct.pack("<HHQQ", 1, 16, len(data), len(data)) if zip64 else b""
        pad = (-(offset + 30 + len(name_b) + len(z64_local) + 4)) % 64
        extra = z64_local + struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        size32 = 0xFFFFFFFF if zip64 else len(data)
        version = 45 if zip64 else 20
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, version, 0, 0, 0, 0x21, crc, size32, size32,
                           len(name_b), len(extra))
        out += name_b + extra + data
        c_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), offset) if zip64 else b""
        off32 = 0xFFFFFFFF if zip64 else offset
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, version, version, 0, 0, 0, 0x21,
                               crc, size32, size32, len(name_b), len(c_extra), 0, 0, 0, 0, off32)
        central += name_b + c_extra
    cd_offset = len(out)
    out += central
    count = len(entries)
    if zip64:
        end64 = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, len(central),
                           cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF,
                           len(comment))
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), cd_offset,
                           len(comment))
    out += comment
    with open(path, "wb") as f:
        f.write(out)
    # Sanity: Python's reader must accept the archive and its CRCs.
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert [i.filename for i in z.infolist()] == [n for n, _ in entries]


def torch_entries(obj, prefix="archive", byteorder=b"little", drop_keys=(), storage_raw=None):
    pkl, storages = torch_pickle(obj)
    entries = [(prefix + "/data.pkl", pkl)]
    if byteorder is not None:
        entries.append((prefix + "/byteorder", byteorder))
    for s in storages:
        if s.key in drop_keys:
            continue
        raw = storage_raw.get(s.key, s.raw) if storage_raw else s.raw
        entries.append((prefix + "/data/" + s.key, raw))
    entries.append((prefix + "/version", b"3\n"))
    entries.append((prefix + "/.data/serialization_id", b"0123456789"))
    return entries


def save(name, obj, **kw):
    zip_kw = {k: kw.pop(k) for k in ("zip64", "comment") if k in kw}
    write_zip(os.path.join(OUT, name), torch_entries(obj, **kw), **zip_kw)


def save_with_zipfile(name, obj, compression, force_zip64=False):
    path = os.path.join(OUT, name)
    with zipfile.ZipFile(path, "w", compression=compression) as z:
        for entry, data in torch_entries(obj):
            info = zipfile.ZipInfo(entry, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            with z.open(info, "w", force_zip64=force_zip64) as f:
                f.write(data)


# --- fixtures ---------------------------------------------------------------

def arange(n, scale=1.0, start=0.0):
    return [start + scale * i for i in range(n)]


def state_dict(**tensors):
    return collections.OrderedDict(tensors.items())


def make_bare():
    # Like HuggingFace pytorch_model.bin: the state dict at the top level.
    sd = state_dict(**{"encoder.weight": tensor("FloatStorage", arange(6, 0.5), [2, 3]),
                       "encoder.bias": tensor("FloatStorage", [1.0, -1.0])})
    save("bare_state_dict.pth", sd, prefix="pytorch_model", comment=b"a zip comment PK")


def make_model_extras():
    model = state_dict(**{"cls_token": tensor("FloatStorage", arange(4, 0.25), [1, 1, 4]),
                          "head.weight": tensor("FloatStorage", arange(6, -1.0), [3, 2],
                                                wrap="parameter"),
                          "head.bias": tensor("FloatStorage", [0.5, 1.5, 2.5])})
    model._metadata = collections.OrderedDict([("", {"version": 1}), ("head", {"version": 1})])
    args = argparse.Namespace(lr=1.5e-4, model="mae_vit_base_patch16", norm_pix_loss=True,
                              input_size=(224, 224), output_dir=None, big=2 ** 40, neg=-7,
                              blob=b"\x00\x01raw", tags={"a"})
    ckpt = {
        "model": model,
        "optimizer": {"state": {0: {"step": 10, "exp_avg": tensor("FloatStorage", [0.0, 0.0])}},
                      "param_groups": [{"lr": 1e-3, "params": [0, 1, 2]}]},
        "epoch": 7,
        "scaler": {"scale": 65536.0, "growth_factor": 2.0},
        "args": args,
    }
    save("model_extras.pth", ckpt, prefix="checkpoint-7")


def make_views():
    base = Storage("FloatStorage", arange(24, 1.0, 100.0))  # 100, 101, ..., 123
    full = Tensor(base, [4, 6])
    sd = collections.OrderedDict()
    sd["base"] = full
    sd["transposed"] = Tensor(base, [6, 4], stride=[1, 6])
    sd["row2"] = Tensor(base, [6], offset=12)
    sd["column2"] = Tensor(base, [4], stride=[6], offset=2)
    sd["expanded"] = Tensor(base, [3, 4], stride=[0, 1], offset=4)
    sd["scalar"] = Tensor(base, [], stride=[], offset=5)
    sd["empty"] = Tensor(base, [0, 3], offset=24)
    sd["tied"] = full  # the same object: pickled once, then fetched from the memo
    sd["param"] = Tensor(base, [2, 2], stride=[6, 1], offset=7, wrap="parameter")
    sd["subclass"] = Tensor(base, [3], offset=20, wrap="from_type")
    save("views.pth", {"model": sd})


def make_dtypes():
    sd = collections.OrderedDict()
    sd["f64"] = tensor("DoubleStorage", [1.5, -2.25, 1e300])
    sd["f32"] = tensor("FloatStorage", [0.1, -3.5])
    sd["f16"] = tensor("HalfStorage", [1.0, -2.5, 0.099975586, 65504.0], [2, 2])
    sd["bf16"] = tensor("BFloat16Storage", [1.0, -2.5, 3.140625], [3])
    sd["i64"] = tensor("LongStorage", [-5, 2 ** 40, 2 ** 63 - 1])
    sd["i32"] = tensor("IntStorage", [-(2 ** 31), 7])
    sd["i16"] = tensor("ShortStorage", [-300, 300])
    sd["i8"] = tensor("CharStorage", [-3, 7])
    sd["u8"] = tensor("ByteStorage", [200, 3])
    sd["bool"] = tensor("BoolStorage", [True, False, True])
    save("dtypes.pth", {"model": sd})


def simple_model():
    return {"model": state_dict(w=tensor("FloatStorage", [1.0, 2.0, 3.0, 4.0], [2, 2]),
                                b=tensor("FloatStorage", [5.0, 6.0]))}


def make_bad():
    save("zip64.pth", simple_model(), zip64=True)
    save_with_zipfile("zip64_zipfile.pth", simple_model(), zipfile.ZIP_STORED, force_zip64=True)
    save_with_zipfile("deflate.pth", simple_model(), zipfile.ZIP_DEFLATED)
    save("missing_data.pth", simple_model(), drop_keys=("1",))
    save("storage_size_mismatch.pth", simple_model(), storage_raw={"1": b"\0" * 12})
    too_small = Storage("FloatStorage", arange(4))
    save("small_storage.pth", {"model": {"w": Tensor(too_small, [3, 3])}})
    two = Storage("FloatStorage", [1.0, 2.0])
    save("expanded_view.pth", {"model": {"e": Tensor(two, [4, 2], stride=[0, 1])}})
    save("big_endian.pth", simple_model(), byteorder=b"big")
    save("no_model.pth", {"epoch": 3, "optimizer": {"state": {}}, "lr": 0.1})
    save("bad_value.pth", {"model": state_dict(w=tensor("FloatStorage", [1.0]), step=5)})
    write_zip(os.path.join(OUT, "no_pickle.pth"), [("archive/version", b"3\n")])
    save("qtensor.pth", {"model": {"q": tensor("FloatStorage", [1.0], wrap="qtensor")}})
    # The legacy (pre-1.6) format: magic number, protocol version, sys info,
    # then the object, each its own pickle (storages would follow).
    legacy = io.BytesIO()
    for part in (0x1950A86A20F9469CFC6C, 1001,
                 {"protocol_version": 1001, "little_endian": True,
                  "type_sizes": {"short": 2, "int": 4, "long": 4}},
                 {"model": {}}):
        pickle.dump(part, legacy, protocol=2)
    with open(os.path.join(OUT, "legacy.pth"), "wb") as f:
        f.write(legacy.getvalue())
    with open(os.path.join(OUT, "plain_pickle.pth"), "wb") as f:
        f.write(pickle.dumps({"model": {}}, protocol=2))


# --- plain pickles for the unpickler tests ---------------------------------

class Thing:
    def __init__(self, a, k):
        self.a, self.k = a, k

    def __getnewargs_ex__(self):
        return (self.a,), {"k": self.k}


_named(fixture_mod, "Thing", Thing)


def make_samples():
    for proto in range(6):
        shared = ["x", "y"]
        sample = {
            "none": None, "true": True, "false": False,
            "ints": [0, 1, -1, 255, 256, 65535, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 40,
                     -(2 ** 40), 2 ** 63 - 1, -(2 ** 63)],
            "floats": [0.5, -1e300, 3.25],
            "str": "h\u00e9llo \u2713 \U0001d11e",
            "bytes": b"\x00\xffab",
            "tuples": [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)],
            "nested": {"a": [1, {"b": (2,)}]},
            "set": {3}, "frozenset": frozenset({4}),
            "od": collections.OrderedDict([("k1", 1), ("k2", 2)]),
            "ns": argparse.Namespace(lr=0.5, name="vit"),
            "many": ["s%d" % i for i in range(300)],
            "shared": shared, "again": shared,
        }
        if proto >= 4:
            sample["thing"] = Thing(1, 2)
        with open(os.path.join(OUT, "sample_p%d.pkl" % proto), "wb") as f:
            f.write(pickle.dumps(sample, protocol=proto))


def main():
    make_bare()
    make_model_extras()
    make_views()
    make_dtypes()
    make_bad()
    make_samples()
    for name in sorted(os.listdir(OUT)):
        size = os.path.getsize(os.path.join(OUT, name))
        assert size < 20000, name
        print("%7d  %s" % (size, name))


if __name__ == "__main__":
    main()
