"""stackprobe.py - what mailstack/probe.py and webstack/helper.py share.

Imported from the parent directory of the running helper. Python 3 standard
library only.
"""
import socket


def busy(pairs):
    """Print the HOST:PORT pairs (IPv6 hosts may be bracketed) that cannot be
    bound, separated by spaces, on one line."""
    out = []
    for hp in pairs:
        host, port = hp.rsplit(":", 1)
        host = host.strip("[]")
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, int(port)))
        except OSError:
            out.append(hp)
        finally:
            s.close()
    print(" ".join(out))
    return 0
