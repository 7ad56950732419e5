#!/usr/bin/env python3
"""Loads the event file voxtrain_write_events wrote with pip's tensorboard and checks what
TensorBoard's dashboards would show: the records read by tensorboard's own TFRecord reader (both
CRCs checked), then scalars, histograms and images through EventMultiplexer and the data provider
that `tensorboard --logdir` serves from (legacy summaries migrated by data_compat).

Usage: check_events.py <log directory>   (run by tests/tensorboard/run_check.sh)
"""
import math
import os
import re
import struct
import sys
import zlib

from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.compat.proto import event_pb2
from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def close(a, b, rel=1e-6):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def decode_png(data):
    """(width, height, channels, pixel bytes) of an 8-bit grey or RGB PNG, chunk CRCs checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad PNG signature"
    at, idat, header, types = 8, b"", None, []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert zlib.crc32(kind + body) == crc, "PNG chunk %r CRC mismatch" % kind
        types.append(kind)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    assert types[0] == b"IHDR" and types[-1] == b"IEND", "PNG chunks %r" % types
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (0, 2) and interlace == 0, "PNG header %r" % (header,)
    channels = 1 if colour == 0 else 3
    raw = zlib.decompress(idat)
    stride = width * channels
    assert len(raw) == height * (stride + 1), "IDAT size"
    pixels = b""
    for y in range(height):
        row = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        assert row[0] == 0, "row filter %d (the writer uses None)" % row[0]
        pixels += row[1:]
    return width, height, channels, pixels


def main():
    logdir = sys.argv[1]
    names = os.listdir(logdir)
    check(len(names) == 1, "one event file in %s, found %r" % (logdir, names))
    check(
        all(re.fullmatch(r"events\.out\.tfevents\.\d{10}\..+\.\d+\.\d+", n) for n in names),
        "event file name %r" % names,
    )
    path = os.path.join(logdir, names[0])

    # 1. tensorboard's TFRecord reader (raises DataLossError on a CRC mismatch) and the protos.
    reader = pywrap_tensorflow.PyRecordReader_New(path)
    events = []
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            break
        events.append(event_pb2.Event.FromString(reader.record()))
    check(len(events) == 10, "10 events, read %d" % len(events))
    check(events[0].file_version == "brain.Event:2", "file_version %r" % events[0].file_version)
    check(all(e.wall_time > 1.5e9 for e in events), "wall times in seconds since 1970")

    # 2. What the dashboards read: the multiplexer and the data provider of `tensorboard --logdir`.
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        size_guidance={"tensors": 0, "scalars": 0, "histograms": 0, "images": 0}
    )
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    ctx = context.RequestContext()
    plugins = set(provider.list_plugins(ctx, experiment_id="x"))
    check({"scalars", "histograms", "images"} <= plugins, "plugins with data: %r" % plugins)

    scalars = provider.read_scalars(ctx, experiment_id="x", plugin_name="scalars", downsample=1000)
    check(list(scalars) == ["."], "one run, the log directory itself: %r" % list(scalars))
    run = scalars.get(".", {})
    loss = run.get("loss", [])
    check([d.step for d in loss] == [0, 1, 2, 3, 4], "loss steps %r" % [d.step for d in loss])
    for d in loss:
        check(close(d.value, 1.0 / (d.step + 1)), "loss at step %d: %r" % (d.step, d.value))
    lr = run.get("learning_rate", [])
    check(len(lr) == 1 and lr[0].step == 0 and close(lr[0].value, 1e-3), "learning_rate %r" % lr)

    histograms = provider.read_tensors(ctx, experiment_id="x", plugin_name="histograms", downsample=1000)
    conv = histograms.get(".", {}).get("weights/conv", [])
    check(len(conv) == 1 and conv[0].step == 3, "one weights/conv histogram at step 3")
    if conv:
        buckets = conv[0].numpy  # [k, 3]: left edge, right edge, count
        weights = [(i - 50) * 0.25 for i in range(100)]
        check(close(buckets[:, 2].sum(), len(weights)), "histogram count %r" % buckets[:, 2].sum())
        check(close(buckets[0, 0], min(weights)), "histogram min %r" % buckets[0, 0])
        check(close(buckets[-1, 1], max(weights)), "histogram max %r" % buckets[-1, 1])
        check((buckets[:, 0] <= buckets[:, 1]).all(), "bucket edges in order")
        for w in weights:  # every value lies in a non-empty bucket [left, right)
            check(
                any(l <= w < r or (w == r == max(weights)) for l, r, c in buckets if c > 0),
                "value %r in no non-empty bucket" % w,
            )
    # The raw proto's sums (the dashboard shows only buckets).
    raw = [e.summary.value[0].histo for e in events if e.summary.value and e.summary.value[0].HasField("histo")]
    check(len(raw) == 1, "one histogram event, found %d" % len(raw))
    for histo in raw:
        weights = [(i - 50) * 0.25 for i in range(100)]
        check(close(histo.num, 100) and close(histo.sum, -12.5), "histo num %r sum %r" % (histo.num, histo.sum))
        check(close(histo.min, -12.5) and close(histo.max, 12.25), "histo min %r max %r" % (histo.min, histo.max))
        check(close(histo.sum_squares, sum(w * w for w in weights)), "histo sum_squares %r" % histo.sum_squares)

    images = provider.read_blob_sequences(ctx, experiment_id="x", plugin_name="images", downsample=1000)
    expected = {
        "input/mid_slice": (8, 6, 1, bytes(round(i * 255 / 47) for i in range(48))),
        "prediction/mid_slice": (
            5,
            4,
            3,
            bytes(v for y in range(4) for x in range(5) for v in (50 * x, 60 * y, 20 * (x + y))),
        ),
    }
    for tag, (width, height, channels, pixels) in expected.items():
        seq = images.get(".", {}).get(tag, [])
        check(len(seq) == 1 and seq[0].step == 3, "one %s image at step 3" % tag)
        if not seq:
            continue
        blobs = [provider.read_blob(ctx, blob_key=ref.blob_key) for ref in seq[0].values]
        check(len(blobs) == 3, "%s: width, height, PNG" % tag)
        check(blobs[0] == str(width).encode() and blobs[1] == str(height).encode(),
              "%s size %r x %r" % (tag, blobs[0], blobs[1]))
        png = decode_png(blobs[2])
        check(png == (width, height, channels, pixels), "%s pixels %r" % (tag, png))
        try:
            import io
            from PIL import Image

            with Image.open(io.BytesIO(blobs[2])) as image:
                check(image.size == (width, height), "%s: PIL size %r" % (tag, image.size))
                check(image.tobytes() == pixels, "%s: PIL pixels differ" % tag)
        except ImportError:
            pass

    if failures:
        for f in failures:
            print("check_events: FAILED: " + f)
        return 1
    print("check_events: %s loads in tensorboard with the expected scalars, histogram and images" % path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
