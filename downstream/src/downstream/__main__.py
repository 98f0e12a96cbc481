"""``python -m downstream --port 8400 --workers 2``: serve the simulator.

With several workers, each is a process of its own listening on the same port with
``SO_REUSEPORT``, so the kernel spreads connections over them; the parent only
starts them and passes a stop signal on.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import sys
from types import FrameType

import uvloop
from aiohttp import web

from downstream.app import create_app


def serve(host: str, port: int, reuse_port: bool) -> None:
    uvloop.install()
    # No access log: at thousands of calls per second it would cost more than the calls.
    web.run_app(
        create_app(),
        host=host,
        port=port,
        reuse_port=reuse_port,
        access_log=None,
        print=None,
        backlog=4096,
        # A client that gives up cancels its call: a hung call holds nothing afterwards.
        handler_cancellation=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m downstream", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8400)
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    args = parser.parse_args(argv)
    if args.workers <= 1:
        serve(args.host, args.port, reuse_port=False)
        return
    workers = [
        multiprocessing.Process(target=serve, args=(args.host, args.port, True), daemon=True)
        for _ in range(args.workers)
    ]
    for worker in workers:
        worker.start()

    def stop(signum: int, _frame: FrameType | None) -> None:
        for worker in workers:
            if worker.pid is not None and worker.is_alive():
                worker.terminate()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for worker in workers:
        worker.join()


if __name__ == "__main__":
    main()
