#!/usr/bin/env python3
"""An independent reader of TensorBoard event files, for the tests.

It does not use MAE Studio's .proto: the Event and Summary messages are built
here from the field numbers of TensorBoard's published event.proto and
summary.proto (Event: wall_time 1, step 2, file_version 3, summary 5;
Summary.value 1; Value: tag 1, simple_value 2, image 4; Image: height 1,
width 2, colorspace 3, encoded_image_string 4). Every record's two masked
CRC-32C are checked with python3-crc32c. Prints one JSON object per value:
{"step", "tag", "value"} or {"step", "tag", "image": [h, w, c, png bytes]},
after a first line {"file_version": ...}. Exit 1 on a bad CRC or record.

    python3 read_tfevents.py events.out.tfevents.*
"""
import json
import struct
import sys

import crc32c
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def build():
    f = descriptor_pb2.FileDescriptorProto(name="tb_reader.proto", package="tbr", syntax="proto3")

    def message(name, fields, oneofs=()):
        m = f.message_type.add(name=name)
        for o in oneofs:
            m.oneof_decl.add(name=o)
        for fname, number, ftype, label, type_name, oneof in fields:
            field = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                field.type_name = type_name
            if oneof is not None:
                field.oneof_index = oneof
        return m

    opt, rep = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    message("Image", [("height", 1, F.TYPE_INT32, opt, None, None),
                      ("width", 2, F.TYPE_INT32, opt, None, None),
                      ("colorspace", 3, F.TYPE_INT32, opt, None, None),
                      ("encoded_image_string", 4, F.TYPE_BYTES, opt, None, None)])
    message("Value", [("tag", 1, F.TYPE_STRING, opt, None, None),
                      ("simple_value", 2, F.TYPE_FLOAT, opt, None, 0),
                      ("image", 4, F.TYPE_MESSAGE, opt, ".tbr.Image", 0)], oneofs=["value"])
    message("Summary", [("value", 1, F.TYPE_MESSAGE, rep, ".tbr.Value", None)])
    message("Event", [("wall_time", 1, F.TYPE_DOUBLE, opt, None, None),
                      ("step", 2, F.TYPE_INT64, opt, None, None),
                      ("file_version", 3, F.TYPE_STRING, opt, None, 0),
                      ("summary", 5, F.TYPE_MESSAGE, opt, ".tbr.Summary", 0)], oneofs=["what"])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName("tbr.Event"))


def masked(data):
    c = crc32c.crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at < len(data):
        if at + 12 > len(data):
            raise ValueError(f"{path}: a record cut short at byte {at}")
        header = data[at:at + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[at + 8:at + 12])
        if masked(header) != length_crc:
            raise ValueError(f"{path}: bad length CRC at byte {at}")
        body = data[at + 12:at + 12 + length]
        (body_crc,) = struct.unpack("<I", data[at + 12 + length:at + 16 + length])
        if len(body) != length or masked(body) != body_crc:
            raise ValueError(f"{path}: bad data CRC at byte {at}")
        yield body
        at += 16 + length


def main():
    Event = build()
    try:
        for path in sys.argv[1:]:
            for body in records(path):
                e = Event()
                e.ParseFromString(body)
                if e.WhichOneof("what") == "file_version":
                    print(json.dumps({"file_version": e.file_version}))
                    continue
                for v in e.summary.value:
                    if v.WhichOneof("value") == "image":
                        i = v.image
                        png = i.encoded_image_string
                        # The PNG's own size, from its IHDR chunk: must match the summary's.
                        if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
                            raise ValueError("%s: image %s is not a PNG" % (path, v.tag))
                        png_w, png_h = struct.unpack(">II", png[16:24])
                        print(json.dumps({"step": e.step, "tag": v.tag, "image": [
                            i.height, i.width, i.colorspace, len(png)], "png_size": [png_h, png_w]}))
                    else:
                        print(json.dumps({"step": e.step, "tag": v.tag, "value": v.simple_value}))
    except ValueError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
