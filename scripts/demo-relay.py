#!/usr/bin/python3
"""make run's demo relay: listens on 127.0.0.1:LISTEN inside the network namespace NETNS (a path such as
/run/netns/rift-demo) and relays each connection to 127.0.0.1:TARGET of the namespace it was started in,
so rift-agent inside the demo namespace reaches rift-backend without any change to the host's
interfaces. Exits on SIGTERM. Usage: demo-relay.py NETNS LISTEN TARGET"""
import ctypes
import os
import selectors
import signal
import socket
import sys
import threading

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


def listen_in(netns, port):
    """The listening socket is created inside netns; the process then returns to its own namespace."""
    own, target = os.open("/proc/self/ns/net", os.O_RDONLY), os.open(netns, os.O_RDONLY)
    try:
        setns(target)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(64)
    finally:
        setns(own)
        os.close(own)
        os.close(target)
    return s


def relay(client, target):
    """Moves bytes both ways until either side closes (one thread per connection)."""
    upstream = None
    try:
        upstream = socket.create_connection(("127.0.0.1", target), timeout=5)
        upstream.settimeout(None)
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, upstream)
        sel.register(upstream, selectors.EVENT_READ, client)
        while True:
            for key, _ in sel.select():
                data = key.fileobj.recv(65536)
                if not data:
                    return
                key.data.sendall(data)
    except OSError:
        pass    # the backend is down or a side reset: the connection closes, the agent retries
    finally:
        for s in (client, upstream):
            if s is not None:
                s.close()


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: demo-relay.py NETNS LISTEN_PORT TARGET_PORT")
    netns, port, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    srv = listen_in(netns, port)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=relay, args=(c, target), daemon=True).start()


if __name__ == "__main__":
    main()
