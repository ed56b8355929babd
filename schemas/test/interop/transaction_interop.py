#!/usr/bin/python3
"""Interop with a client nobody here wrote: Debian's python3-confluent-kafka + python3-avro,
through the classic confluent_kafka.avro AvroProducer / AvroConsumer API.

  produce --bootstrap B --registry URL --topic T --schema Transaction.avsc --value JSON
      Produces one Transaction (eventTime given as epoch ms, sent as the datetime that
      python-avro's timestamp-millis logical type wants); prints {"ok": true}.
  consume --bootstrap B --registry URL --topic T --group G --timeout S
      Reads one record from the beginning; prints its value as JSON with eventTime back in
      epoch ms.
Run with /usr/bin/python3 (Debian's modules); exits non-zero with a message on failure.
"""
import argparse
import datetime
import json
import sys
import time

import avro.schema
from confluent_kafka.avro import AvroConsumer, AvroProducer

UTC = datetime.timezone.utc


def to_datetime(ms):
    return datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(milliseconds=ms)


def to_millis(value):
    if isinstance(value, datetime.datetime):
        delta = value - datetime.datetime(1970, 1, 1, tzinfo=UTC)
        return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000
    return value


def produce(args):
    with open(args.schema, encoding="utf-8") as f:
        schema = avro.schema.parse(f.read())
    value = json.loads(args.value)
    value["eventTime"] = to_datetime(value["eventTime"])
    errors = []
    producer = AvroProducer(
        {"bootstrap.servers": args.bootstrap, "schema.registry.url": args.registry},
        default_value_schema=schema,
    )
    producer.produce(
        topic=args.topic,
        key=None,
        value=value,
        callback=lambda err, _msg: errors.append(err) if err else None,
    )
    remaining = producer.flush(30)
    if remaining or errors:
        sys.exit(f"produce failed: {errors or f'{remaining} message(s) not delivered'}")
    print(json.dumps({"ok": True}))


def consume(args):
    consumer = AvroConsumer(
        {
            "bootstrap.servers": args.bootstrap,
            "schema.registry.url": args.registry,
            "group.id": args.group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([args.topic])
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                sys.exit(f"consume failed: {msg.error()}")
            value = dict(msg.value())
            value["eventTime"] = to_millis(value["eventTime"])
            print(json.dumps({"value": value}))
            return
        sys.exit(f"no record on {args.topic} within {args.timeout} s")
    finally:
        consumer.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("produce", "consume"):
        p = sub.add_parser(name)
        p.add_argument("--bootstrap", required=True)
        p.add_argument("--registry", required=True)
        p.add_argument("--topic", required=True)
        if name == "produce":
            p.add_argument("--schema", required=True)
            p.add_argument("--value", required=True)
        else:
            p.add_argument("--group", required=True)
            p.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    produce(args) if args.command == "produce" else consume(args)


if __name__ == "__main__":
    main()
